#pragma once
// SPDX-License-Identifier: Apache-2.0
// The in-process agent against the emulator over TLS, with real /bin/sh scripts and millisecond
// intervals: the fixture the agent's end-to-end tests share.
#include "hookd/core/read_file.hpp"
#include "hookd/agent/agent.hpp"
#include "support/emulator_fixture.hpp"

#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <functional>
#include <memory>
#include <sys/stat.h>

namespace hookd::test {

/// What a file the test's script or hookd wrote says; empty when it is not there.
inline std::string file_text(const std::filesystem::path& p) { return read_whole_file(p.string()).value_or(""); }
using namespace std::chrono_literals;

/// Calls `what` every `period` while it lives. A tick already due when it goes is dropped, so
/// `what` may hold references into the test's own frame: the fixture's TearDown runs the
/// io_context again after the test body has returned.
class every_while_alive {
public:
  every_while_alive(boost::asio::io_context& ioc, std::chrono::milliseconds period, std::function<void()> what)
      : tick_(ioc), period_(period), what_(std::move(what)) {
    arm();
  }
  ~every_while_alive() {
    *alive_ = false;
    tick_.cancel();
  }
  every_while_alive(const every_while_alive&) = delete;
  every_while_alive& operator=(const every_while_alive&) = delete;

private:
  void arm() {
    tick_.expires_after(period_);
    tick_.async_wait([this, alive = alive_](boost::system::error_code ec) {
      if (ec || !*alive) return;
      what_();
      arm();
    });
  }
  boost::asio::steady_timer tick_;
  std::chrono::milliseconds period_;
  std::function<void()> what_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// Virtual time while it lives: every `every`, the emulator's clocks jump `by`, so a test sees
/// heartbeat timeouts pass without waiting for them.
class emulator_ticker {
public:
  emulator_ticker(boost::asio::io_context& ioc, emulator::server& emu, std::chrono::milliseconds every, std::chrono::seconds by)
      : ticks_(ioc, every, [&emu, by] { emu.advance(by); }) {}

private:
  every_while_alive ticks_;
};

class agent_e2e : public test::emulator_fixture {
protected:
  std::vector<std::string> lines;
  std::unique_ptr<logger> log;
  std::unique_ptr<agent::journal> journal;
  std::optional<aws::sqs_client> sqs;
  std::optional<aws::autoscaling_client> asg;
  std::optional<aws::s3_client> s3;
  std::optional<aws::imds_client> imds;   ///< only for a test that reads metadata (use_imds)
  std::optional<aws::elbv2_client> elb;   ///< made when s.drain.elbv2
  std::optional<aws::ecs_client> ecs;     ///< made when s.drain.ecs
  config::settings s;

  /// The agent reads instance metadata from the emulator (for "i-self").
  void use_imds() {
    emu->set_imds_identity("i-self", "hookd-role");
    vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = emu->url();
    imds.emplace(*http_client, aws::imds_config_from_env(env()).value());
  }

  void SetUp() override {
    emulator_fixture::SetUp();
    hook_scenario();
    log = std::make_unique<logger>(log_level::debug, false);
    log->set_tap([this](std::string_view l) { lines.emplace_back(l); });
    s.queue_url = emu->queue_url("hooks");
    s.state_dir = (dir / "state").string();
    s.wait_seconds = 1;
    s.heartbeat_interval = 50ms;
    s.error_backoff = 50ms;
    s.kill_grace = 200ms;
    s.shutdown_grace = 300ms;
    s.script_timeout = 20s;
    s.once = true;
    s.confirm_window = 200ms;
    s.ready.check_timeout = 500ms;
    journal = std::make_unique<agent::journal>(s.state_dir);
    ASSERT_TRUE(journal->prepare());
  }

  std::string script(const std::string& body) {
    const auto p = (dir / ("script-" + std::to_string(lines.size()) + ".sh")).string();
    std::ofstream(p) << body;
    ::chmod(p.c_str(), 0755);
    return p;
  }

  /// Runs an agent until it has handled one action (--once) and returns what it finished.
  std::vector<agent::action_summary> run_agent(std::chrono::milliseconds deadline = 30s,
                                               std::function<void(agent::agent&)> during = {}) {
    sqs.emplace(*call, endpoint(aws::service::sqs), s.queue_url);
    asg.emplace(*call, endpoint(aws::service::autoscaling));
    s3.emplace(*call, endpoint(aws::service::s3));
    auto id = run(agent::resolve_identity(s, "us-east-1", "i-self", *asg, *log, [] { return true; })).value();
    auto o = agent::options_from(s);
    o.drain_timing = {std::chrono::milliseconds(20), std::chrono::milliseconds(50)};
    agent::clients c;
    c.sqs = s.trigger_queue ? &*sqs : nullptr; // no queue source without the queue trigger
    c.asg = &*asg;
    c.s3 = &*s3;
    c.imds = imds ? &*imds : nullptr;
    if (!s.ready.http_url.empty()) c.http = http_client.get();
    if (s.drain.elbv2) c.drains.elbv2 = &elb.emplace(*call, endpoint(aws::service::elbv2));
    if (s.drain.ecs) c.drains.ecs = &ecs.emplace(*call, endpoint(aws::service::ecs));
    agent::agent a(ioc.get_executor(), std::move(o), id, c, *journal, *log, env());
    if (during) during(a);
    EXPECT_EQ(run(a.run(), deadline), 0);
    return a.finished();
  }

  static lifecycle::lifecycle_action own_action(const std::string& token) { return test::own_action(token); }

  bool logged(std::string_view what) const {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
  }

  std::vector<emulator::recorded_call> calls_for_token(const std::string& op, const std::string& token) {
    std::vector<emulator::recorded_call> out;
    for (auto& c : emu->calls(op))
      if (auto* t = c.params.if_contains("LifecycleActionToken"); t && t->as_string() == token) out.push_back(c);
    return out;
  }
};

} // namespace hookd::test
