#pragma once
// SPDX-License-Identifier: Apache-2.0
// A TLS emulator on 127.0.0.1 with a throw-away CA, and hookd's real client stack pointed at it
// through the standard variables (AWS_ENDPOINT_URL, AWS_CA_BUNDLE, ...). Retry backoff is cut
// to milliseconds so fault tests stay fast.
#include "hookd/aws/caller.hpp"
#include "hookd/aws/credential_providers.hpp"
#include "hookd/aws/endpoints.hpp"
#include "hookd/emulator/emulator.hpp"
#include "hookd/lifecycle/notification.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/http/client.hpp"
#include "support/run_awaitable.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>

namespace hookd::test {

/// The terminating action of "i-self" through hook "drain" of group "asg" (hook_scenario()).
inline lifecycle::lifecycle_action own_action(const std::string& token) {
  lifecycle::lifecycle_action a;
  a.token = token;
  a.group = "asg";
  a.hook = "drain";
  a.instance_id = "i-self";
  a.transition = lifecycle::transition::terminate;
  return a;
}


inline constexpr const char* test_key_id = "AKIDHOOKDTEST";
inline constexpr const char* test_secret = "hookd-test-secret-key-0123456789abcdef";

class emulator_fixture : public testing::Test {
protected:
  boost::asio::io_context ioc{1};
  std::filesystem::path dir;
  emulator::pki_files pki;
  std::unique_ptr<emulator::server> emu;
  std::map<std::string, std::string, std::less<>> vars;
  std::unique_ptr<http::client> http_client;
  std::unique_ptr<aws::cached_provider> creds;
  std::unique_ptr<aws::caller> call;

  void SetUp() override {
    static int counter = 0;
    dir = std::filesystem::path(testing::TempDir()) /
          ("hookd-emu-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(dir);
    pki = emulator::make_test_pki((dir / "pki").string(), {"localhost", "emu.test"}).value();
    emulator::options opt;
    opt.tls = std::getenv("HOOKD_TEST_PLAIN") == nullptr;
    opt.cert_file = pki.server_cert;
    opt.key_file = pki.server_key;
    emu = std::make_unique<emulator::server>(ioc.get_executor(), opt);
    ASSERT_TRUE(emu->start());
    emu->add_key({test_key_id, test_secret, {}, std::nullopt});
    vars = {{"AWS_ENDPOINT_URL", emu->url()},
            {"AWS_CA_BUNDLE", pki.ca_cert},
            {"AWS_ACCESS_KEY_ID", test_key_id},
            {"AWS_SECRET_ACCESS_KEY", test_secret},
            {"HOME", dir.string()}};
    rebuild();
  }

  void TearDown() override {
    call.reset();
    creds.reset();
    http_client.reset();
    emu->stop();
    // A run that missed its deadline left its coroutine suspended, holding references into the
    // test's frame (an agent, a local): resumed now it would turn that failure into a crash. It
    // is only destroyed, with the io_context, in a test that has already failed.
    if (!stranded_) {
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(50));
    }
    std::filesystem::remove_all(dir);
  }

  env_lookup env() const { return map_env(vars); }

  /// Rebuilds the client stack from `vars` (after a test changes them). `keep_http` keeps the
  /// HTTP client, for providers that hold a reference to it (IMDS).
  void rebuild(std::unique_ptr<aws::credentials_provider> provider = {}, bool keep_http = false) {
    call.reset();
    creds.reset();
    if (!keep_http || !http_client) {
      http::client_config cfg;
      cfg.env = env();
      cfg.proxy = http::proxy_settings_from_env(env()).value();
      http_client = std::make_unique<http::client>(ioc.get_executor(), cfg);
    }
    if (!provider) provider = std::make_unique<aws::environment_provider>(env());
    creds = std::make_unique<aws::cached_provider>(std::move(provider), [] { return std::chrono::system_clock::now(); });
    aws::retry_config retry;
    retry.base = std::chrono::milliseconds(1);
    retry.max_backoff = std::chrono::milliseconds(20);
    call = std::make_unique<aws::caller>(*http_client, *creds, "us-east-1", retry);
  }

  /// The scenario most agent tests start from: queue "hooks", group "asg" with `instances`, and a
  /// terminating hook "drain" (heartbeat timeout 30 s) that notifies the queue.
  void hook_scenario(const std::vector<std::string>& instances = {"i-self", "i-other"}) {
    emu->create_queue("hooks");
    emu->create_group("asg", instances);
    emulator::hook_spec h;
    h.group = "asg";
    h.name = "drain";
    h.queue = "hooks";
    h.heartbeat_timeout = 30;
    h.default_result = "ABANDON";
    emu->put_hook(h);
  }

  /// Another hook of group "asg" (30 s heartbeat timeout), notifying `queue` ("": none).
  void put_hook(const std::string& name, const std::string& queue = "",
                const std::string& transition = "autoscaling:EC2_INSTANCE_TERMINATING") {
    emulator::hook_spec h;
    h.group = "asg";
    h.name = name;
    h.queue = queue;
    h.transition = transition;
    h.heartbeat_timeout = 30;
    emu->put_hook(h);
  }

  aws::resolved_endpoint endpoint(aws::service s) { return aws::resolve_endpoint(s, "us-east-1", env()).value(); }

  template <class T>
  T run(boost::asio::awaitable<T> aw, std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
    try {
      return run_awaitable(ioc, std::move(aw), deadline);
    } catch (const deadline_missed&) {
      stranded_ = true;
      throw;
    }
  }

private:
  bool stranded_ = false; ///< a run() missed its deadline: the context is never run again
};

} // namespace hookd::test
