#pragma once
// SPDX-License-Identifier: Apache-2.0
// The real hookd binary under test: the emulator runs in the test process, hookd as a child under
// hookd's own supervisor, both on the test's io_context. Shared by the process-level tests.
#include "support/journal_files.hpp"
#include "hookd/agent/journal.hpp"
#include "hookd/proc/supervisor.hpp"
#include "support/emulator_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>

namespace hookd::test {
using namespace std::chrono_literals;
namespace net = boost::asio;

class hookd_process : public test::emulator_fixture {
protected:
  std::string state, script_path;
  std::vector<std::string> output;

  void SetUp() override {
    emulator_fixture::SetUp();
    hook_scenario();
    state = (dir / "state").string();
  }

  void write_script(const std::string& body) {
    script_path = (dir / "on-terminate.sh").string();
    std::ofstream(script_path) << body;
    ::chmod(script_path.c_str(), 0755);
  }

  proc::command hookd_cmd(std::vector<std::string> args = {"--once"}) {
    proc::command c;
    // HOOKD_TEST_BINARY: another build of hookd (an older commit) under the same tests, to show
    // that a test fails without the fix it stands for.
    const char* other = std::getenv("HOOKD_TEST_BINARY");
    c.path = other && *other ? other : HOOKD_BINARY;
    c.args = std::move(args);
    c.env = {"PATH=/usr/bin:/bin",
             "AWS_ENDPOINT_URL=" + emu->url(),
             "AWS_CA_BUNDLE=" + pki.ca_cert,
             std::string("AWS_ACCESS_KEY_ID=") + test::test_key_id,
             std::string("AWS_SECRET_ACCESS_KEY=") + test::test_secret,
             "AWS_REGION=us-east-1",
             "AWS_EC2_METADATA_DISABLED=true",
             "HOOKD_CONFIG=/dev/null",
             "HOOKD_QUEUE_URL=" + emu->queue_url("hooks"),
             "HOOKD_INSTANCE_ID=i-self",
             "HOOKD_STATE_DIR=" + state,
             "HOOKD_ON_TERMINATE=" + script_path,
             "HOOKD_HEARTBEAT_INTERVAL=100ms",
             "HOOKD_WAIT_TIME=1",
             "HOOKD_ERROR_BACKOFF=100ms",
             "HOOKD_SHUTDOWN_GRACE=300ms",
             "HOOKD_KILL_GRACE=200ms"};
    return c;
  }

  net::awaitable<proc::run_result> start(proc::command c) {
    proc::limits lim;
    lim.time_limit = 60s;
    co_return co_await proc::run(std::move(c), lim, [this](std::string_view, std::string_view line, bool) {
      output.emplace_back(line);
    });
  }

  std::vector<emulator::recorded_call> calls_for(const std::string& op) { return emu->calls(op); }

  std::string all_output() const {
    std::string out;
    for (const auto& l : output) out += l + "\n";
    return out;
  }

  bool said(std::string_view what) const {
    return std::any_of(output.begin(), output.end(), [&](const std::string& l) { return l.find(what) != std::string::npos; });
  }

  /// True when the message that carried `token` has been deleted. After a SIGKILL the queue may
  /// still hold the hook's test notification in flight (received, not yet deleted), so the queue's
  /// depth says nothing about the action's own message.
  bool message_deleted(const std::string& token) const {
    for (const auto& h : emu->message_histories("hooks"))
      if (h.body.find(token) != std::string::npos) return h.deleted;
    return false;
  }

  /// True once hookd has journaled an action (the directory may not exist yet: hookd starting).
  bool journaled() const {
    return test::journal_entries(state) > 0;
  }

  /// True once the script runs: its process group is in the journal (a SIGTERM before that
  /// stops hookd without starting it, which is another test).
  bool script_journaled() const {
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(state + "/journal", ec)) {
      // Only an entry in place counts: ".<name>.tmp" holds a write not yet renamed, which a
      // SIGKILL at that moment throws away.
      if (f.path().filename().string().starts_with(".")) continue;
      std::ifstream in(f.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (text.find("\"script_pgid\":") != std::string::npos && text.find("\"script_pgid\":0") == std::string::npos) return true;
    }
    return false;
  }

  pid_t hookd_pid() const {
    std::ifstream in(state + "/hookd.lock");
    pid_t pid = 0;
    in >> pid;
    return pid;
  }

  /// Calls `act` once `ready()` holds, polling every 20 ms (bounded by the test's deadline). The
  /// timers belong to the fixture; a poll still armed when the test body has returned (hookd
  /// ended before `ready()` held) never runs again, since `ready` may read the body's locals.
  void when(std::function<bool()> ready, std::function<void()> act) {
    pollers_.push_back(std::make_unique<net::steady_timer>(ioc));
    poll(pollers_.back().get(), std::move(ready), std::move(act), alive_);
  }

  void TearDown() override {
    *alive_ = false;
    emulator_fixture::TearDown();
  }

private:
  static void poll(net::steady_timer* t, std::function<bool()> ready, std::function<void()> act, std::shared_ptr<bool> alive) {
    t->expires_after(20ms);
    t->async_wait([t, ready = std::move(ready), act = std::move(act), alive](boost::system::error_code ec) mutable {
      if (ec || !*alive) return;
      if (ready()) act();
      else poll(t, std::move(ready), std::move(act), std::move(alive));
    });
  }
  std::vector<std::unique_ptr<net::steady_timer>> pollers_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace hookd::test
