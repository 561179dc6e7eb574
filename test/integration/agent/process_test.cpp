// SPDX-License-Identifier: Apache-2.0
// The real hookd binary as operators run it: environment-only configuration, the lock, SIGKILL
// mid-action and a restart, SIGTERM during an action. The emulator runs in this process; hookd
// runs as a child under hookd's own supervisor, both on this test's io_context.
#include "support/journal_files.hpp"
#include "process_fixture.hpp"

using namespace hookd;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {
using test::hookd_process;

TEST_F(hookd_process, handles_an_action_configured_by_environment_alone) {
  write_script("#!/bin/sh\necho \"handled $1 $2\"\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto r = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(said("handled terminate i-self")) << "script output is in hookd's log";
  EXPECT_TRUE(said("action-done"));
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
}

TEST_F(hookd_process, a_second_hookd_is_refused_by_the_lock) {
  write_script("#!/bin/sh\nsleep 1\n");
  emu->terminate_instance("asg", "i-self");
  // Shared with the second hookd's callbacks, which may run after this body when the first ends sooner.
  struct second_run {
    std::optional<proc::run_result> result;
    std::vector<std::string> output;
  };
  auto second = std::make_shared<second_run>();
  when([&] { return hookd_pid() > 0; }, [&, second] {
    net::co_spawn(ioc, proc::run(hookd_cmd(), {}, [second](std::string_view, std::string_view l, bool) { second->output.emplace_back(l); }),
                  [second](std::exception_ptr, proc::run_result rr) { second->result = rr; });
  });
  auto first = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(first.exit_code, 0);
  ASSERT_TRUE(second->result);
  EXPECT_EQ(second->result->exit_code, 0) << "a watchdog cron line must not see an error";
  ASSERT_FALSE(second->output.empty());
  EXPECT_NE(second->output[0].find("already running (pid"), std::string::npos) << second->output[0];
  EXPECT_EQ(emu->calls("CompleteLifecycleAction").size(), 1u);
}

TEST_F(hookd_process, sigkill_mid_action_then_restart_completes_exactly_once) {
  const auto marker = (dir / "runs").string();
  write_script("#!/bin/sh\necho run >> " + marker + "\nsleep 1\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // Kill -9 as soon as the action is journaled and its script started.
  when([&] { return std::filesystem::exists(marker) && journaled(); },
       [&] { ::kill(hookd_pid(), SIGKILL); });
  auto killed = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(killed.signal, SIGKILL) << killed.describe();
  EXPECT_TRUE(emu->action(token)->active) << "nothing completed by the killed hookd";
  EXPECT_TRUE(calls_for("CompleteLifecycleAction").empty());

  output.clear();
  auto restarted = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(restarted.exit_code, 0) << restarted.describe();
  EXPECT_TRUE(said("journal-resume"));
  EXPECT_EQ(calls_for("CompleteLifecycleAction").size(), 1u) << "completed exactly once";
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_TRUE(message_deleted(token)) << "and its message deleted\n" << all_output();
  EXPECT_EQ(test::journal_entries(state), 0u);
}

TEST_F(hookd_process, sigterm_during_an_action_completes_it_with_the_failure_result_and_exits_0) {
  write_script("#!/bin/sh\nsleep 30\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  when([&] { return script_journaled() && hookd_pid() > 0; }, [&] { ::kill(hookd_pid(), SIGTERM); });
  auto r = run(start(hookd_cmd({})), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(said("stopping"));
  EXPECT_TRUE(said("shutdown-grace-over"));
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
}

TEST_F(hookd_process, an_invalid_setting_is_one_line_naming_it) {
  write_script("#!/bin/sh\n");
  auto c = hookd_cmd();
  c.env.push_back("HOOKD_ON_FAILURE=MAYBE");
  auto r = run(start(c), 30s);
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_EQ(output.size(), 1u);
  EXPECT_EQ(output[0], "hookd: invalid on-failure (HOOKD_ON_FAILURE) from environment variable HOOKD_ON_FAILURE: expected CONTINUE or ABANDON");
}

} // namespace

namespace {

TEST_F(hookd_process, a_second_sigterm_stops_the_script_at_once_and_still_completes) {
  write_script("#!/bin/sh\nsleep 30\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto c = hookd_cmd({});
  std::erase_if(c.env, [](const std::string& e) { return e.rfind("HOOKD_SHUTDOWN_GRACE=", 0) == 0; });
  c.env.push_back("HOOKD_SHUTDOWN_GRACE=10m"); // the first SIGTERM alone would wait ten minutes
  int sent = 0;
  when([&] { return script_journaled() && hookd_pid() > 0; }, [&] {
    ::kill(hookd_pid(), SIGTERM);
    ++sent;
    when([] { return true; }, [&] { ::kill(hookd_pid(), SIGTERM); ++sent; });
  });
  const auto started = std::chrono::steady_clock::now();
  auto r = run(start(c), 60s);
  EXPECT_EQ(sent, 2);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << all_output();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s) << "bounded, not the ten-minute grace";
  EXPECT_TRUE(said("stopping-now"));
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
}

TEST_F(hookd_process, sighup_reopens_the_log_file_after_rotation) {
  write_script("#!/bin/sh\n");
  const auto log = (dir / "hookd.log").string();
  auto c = hookd_cmd({"--log-file", log});
  auto contains = [](const std::string& path, std::string_view what) {
    std::ifstream f(path);
    std::string text((std::istreambuf_iterator<char>(f)), {});
    return text.find(what) != std::string::npos;
  };
  // Rotate only once the agent is polling: a SIGTERM during start-up ends hookd without "stopped".
  when([&] { return hookd_pid() > 0 && contains(log, "polling"); }, [&] {
    std::filesystem::rename(log, log + ".1"); // what logrotate does
    ::kill(hookd_pid(), SIGHUP);
    when([&] { return contains(log, "log-reopened"); }, [&] { ::kill(hookd_pid(), SIGTERM); });
  });
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("log-reopened"), std::string::npos) << text;
  EXPECT_NE(text.find("stopped"), std::string::npos) << "later lines go to the new file";
}

TEST_F(hookd_process, a_state_dir_others_can_write_is_refused_with_the_fix) {
  write_script("#!/bin/sh\n");
  std::filesystem::create_directories(state);
  ::chmod(state.c_str(), 0777);
  auto r = run(start(hookd_cmd()), 30s);
  EXPECT_NE(r.exit_code, 0) << all_output();
  EXPECT_TRUE(said("writable by group or others")) << all_output();
  EXPECT_TRUE(said("chmod 700 " + state)) << all_output();
  EXPECT_TRUE(emu->calls("ReceiveMessage").empty());
}

TEST_F(hookd_process, a_script_that_outlived_a_killed_hookd_is_ended_before_the_action_runs_again) {
  const auto pidfile = (dir / "script.pid").string();
  write_script("#!/bin/sh\necho $$ > " + pidfile + "\nexec sleep 30\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // Killed once the script runs and its process group is in the journal.
  when([&] { return std::filesystem::exists(pidfile) && std::filesystem::file_size(pidfile) > 0 && script_journaled(); },
       [&] { ::kill(hookd_pid(), SIGKILL); });
  auto killed = run(start(hookd_cmd()), 60s);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.describe();
  pid_t old = 0;
  std::ifstream(pidfile) >> old;
  ASSERT_GT(old, 0);
  ASSERT_EQ(::kill(old, 0), 0) << "the first script should still be running";
  write_script("#!/bin/sh\necho second-run\n");
  output.clear();
  auto restarted = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(restarted.exit_code, 0) << restarted.describe();
  EXPECT_TRUE(said("surviving-script-ended")) << all_output();
  EXPECT_TRUE(said("second-run"));
  EXPECT_EQ(calls_for("CompleteLifecycleAction").size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream st("/proc/" + std::to_string(old) + "/stat");
    std::string pid, name, state_letter;
    gone = !(st >> pid >> name >> state_letter) || state_letter == "Z";
    if (!gone) ::usleep(20000);
  }
  EXPECT_TRUE(gone) << "two copies of the script side by side";
}

TEST_F(hookd_process, sigterm_while_a_journaled_action_is_resumed_does_not_start_its_script) {
  const auto marker = (dir / "ran").string();
  write_script("#!/bin/sh\ntouch " + marker + "\nsleep 30\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // An entry an earlier hookd left, and a slow Auto Scaling: SIGTERM lands while hookd is still
  // confirming the resumed action.
  {
    agent::journal j(state);
    ASSERT_TRUE(j.prepare());
    ASSERT_TRUE(run(j.write({test::own_action(token), "m", "stale", std::chrono::system_clock::now()})));
  }
  emulator::fault slow;
  slow.operation = "RecordLifecycleActionHeartbeat";
  slow.delay = 1500ms;
  emu->add_fault(slow);
  when([&] { return said("journal-resume") && hookd_pid() > 0; }, [&] { ::kill(hookd_pid(), SIGTERM); });
  const auto started = std::chrono::steady_clock::now();
  auto r = run(start(hookd_cmd({})), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << all_output();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the resumed script started after SIGTERM";
  EXPECT_GT(test::journal_entries(state), 0u) << "left for the next hookd";
}

} // namespace

namespace {
TEST_F(hookd_process, a_throttled_completion_never_holds_up_the_next_action) {
  emulator::hook_spec warm;
  warm.group = "asg";
  warm.name = "warm";
  warm.queue = "hooks";
  warm.transition = "autoscaling:EC2_INSTANCE_LAUNCHING";
  warm.heartbeat_timeout = 30;
  emu->put_hook(warm);
  const auto runs = (dir / "runs").string();
  write_script("#!/bin/sh\necho \"$1\" >> " + runs + "\n");
  auto lines = [&] {
    std::ifstream in(runs);
    int n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
  };
  // The launch's completion is throttled for 2 s; the terminate that follows must not wait for it.
  emulator::fault slow;
  slow.operation = "CompleteLifecycleAction";
  slow.count = 100000;
  slow.status = 400;
  slow.code = "Throttling";
  slow.message = "Rate exceeded";
  slow.until = std::chrono::steady_clock::now() + 2s;
  emu->add_fault(slow);
  const auto launch = emu->launch_instance("asg", "i-self").at(0);
  std::optional<std::chrono::steady_clock::time_point> second_ran;
  std::string terminate;
  when([&] { return lines() == 1; }, [&] {
    terminate = emu->terminate_instance("asg", "i-self").at(0);
    when([&] { return lines() == 2; }, [&] { second_ran = std::chrono::steady_clock::now(); });
  });
  auto c = hookd_cmd({});
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  when([&] { return !terminate.empty() && emu->action(launch)->result == "CONTINUE" && emu->action(terminate)->result == "CONTINUE"; },
       [&] { ::kill(hookd_pid(), SIGTERM); });
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  ASSERT_TRUE(second_ran) << all_output();
  std::optional<std::chrono::steady_clock::time_point> launch_completed;
  for (const auto& done : calls_for("CompleteLifecycleAction"))
    if (done.status == 200 && done.params.contains("LifecycleActionToken") && done.params.at("LifecycleActionToken").as_string() == launch)
      launch_completed = done.received;
  ASSERT_TRUE(launch_completed);
  EXPECT_LT(*second_ran, *launch_completed) << "the terminate script waited for the launch's throttled completion";
}
} // namespace
