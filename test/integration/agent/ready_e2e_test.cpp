// SPDX-License-Identifier: Apache-2.0
// The readiness gate in the agent's run, against the emulator (issue 26): a launch is completed
// with CONTINUE only once its readiness URL or command passes, heartbeats carry the action while
// it waits, and an instance that never becomes ready gets --ready-failure at the timeout.
#include "integration/agent/agent_fixture.hpp"
#include "support/webhook_server.hpp"

#include <fstream>
#include <sstream>

using namespace hookd;
using namespace std::chrono_literals;
using hookd::test::agent_e2e;

namespace {

/// A launching hook of group "asg" with a 15 s heartbeat timeout (the issue's), notifying "hooks".
void put_launch_hook(emulator::server& emu) {
  emulator::hook_spec h;
  h.group = "asg";
  h.name = "boot";
  h.queue = "hooks";
  h.transition = "autoscaling:EC2_INSTANCE_LAUNCHING";
  h.heartbeat_timeout = 15;
  h.default_result = "ABANDON";
  emu.put_hook(h);
}

/// The group's launching hook, `launch_script` as the launch script, and readiness rounds 20 ms
/// apart for at most `timeout`: the setting every gate test shares.
void gate_after_launch(emulator::server& emu, config::settings& s, std::string launch_script, std::chrono::milliseconds timeout) {
  put_launch_hook(emu);
  s.on_launch = std::move(launch_script);
  s.ready.interval = 20ms;
  s.ready.timeout = timeout;
}

/// A --ready-command that counts its runs in `counter` ($n is this run's number), then does `then`.
std::string counting_command(const std::filesystem::path& counter, const std::string& then) {
  return "n=$(cat " + counter.string() + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter.string() + "; " + then;
}

std::vector<unsigned> answers(const test::webhook_server& w) {
  std::vector<unsigned> out;
  for (const auto& r : w.requests()) out.push_back(r.answered);
  return out;
}

std::optional<sys_time> completed_at(emulator::server& emu, const std::string& token) {
  for (const auto& c : emu.calls("CompleteLifecycleAction"))
    if (auto* t = c.params.if_contains("LifecycleActionToken"); t && t->as_string() == token) return c.answered;
  return std::nullopt;
}

} // namespace

TEST_F(agent_e2e, a_launch_is_completed_only_after_its_readiness_url_answers_and_heartbeats_keep_the_hook_alive_meanwhile) {
  gate_after_launch(*emu, s, script("#!/bin/sh\nexit 0\n"), 20s);
  // 503 for the first 40 requests (at 20 ms apart, 24 s and more of the emulator's virtual time:
  // past the hook's 15 s heartbeat timeout), then 200.
  test::webhook_server health(ioc.get_executor(), std::vector<unsigned>(40, 503));
  s.ready.http_url = health.url("/health?deep=1");
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  std::optional<test::emulator_ticker> clock(std::in_place, ioc, *emu, 100ms, 3s);
  // What `hookd status` reads, looked at while the gate waits.
  bool status_said_ready = false;
  std::optional<test::every_while_alive> look(std::in_place, ioc, 10ms, [&] {
    status_said_ready = status_said_ready || test::file_text(dir / "state" / "status.json").find("\"phase\":\"ready\"") != std::string::npos;
  });
  auto done = run_agent();
  look.reset();
  clock.reset();
  EXPECT_TRUE(status_said_ready) << "hookd status shows the phase while the gate waits";
  ASSERT_EQ(done.size(), 1u);
  const auto a = emu->action(token);
  EXPECT_FALSE(a->timed_out) << "heartbeats must keep the hook alive while the gate waits";
  EXPECT_EQ(a->result, "CONTINUE");
  EXPECT_GE(a->heartbeats, 5);
  // Completed only after two 200s in a row, which came after all forty 503s.
  const auto got = answers(health);
  ASSERT_GE(got.size(), 42u);
  EXPECT_EQ(std::vector<unsigned>(got.begin(), got.begin() + 40), std::vector<unsigned>(40, 503));
  EXPECT_EQ(got[40], 200u);
  EXPECT_EQ(got[41], 200u);
  EXPECT_EQ(health.requests().front().target, "/health?deep=1");
  EXPECT_TRUE(logged("ready-wait"));
  EXPECT_TRUE(logged("info ready token=")) << "the gate logs its end";
}

TEST_F(agent_e2e, a_readiness_url_that_never_answers_2xx_gets_the_failure_result_at_the_timeout_with_its_last_status) {
  gate_after_launch(*emu, s, script("#!/bin/sh\nexit 0\n"), 600ms);
  test::webhook_server health(ioc.get_executor(), std::vector<unsigned>(10000, 503));
  s.ready.http_url = health.url("/health");
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  const auto before = std::chrono::system_clock::now();
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "ABANDON") << "--ready-failure defaults to ABANDON";
  EXPECT_FALSE(emu->action(token)->timed_out);
  const auto at = completed_at(*emu, token);
  ASSERT_TRUE(at);
  EXPECT_GE(*at, before + 600ms) << "the failure result comes at the timeout, not before";
  EXPECT_GE(health.requests().size(), 2u);
  EXPECT_TRUE(logged("ready-timeout"));
  EXPECT_TRUE(logged("HTTP 503"));
  EXPECT_FALSE(logged("/health")) << "the URL's path is never logged";
}

TEST_F(agent_e2e, a_ready_command_that_fails_three_times_then_passes_twice_lets_the_launch_continue) {
  gate_after_launch(*emu, s, script("#!/bin/sh\nexit 0\n"), 20s);
  const auto counter = dir / "ready-count";
  // Fails on runs 1-3 with a line saying so, passes from run 4: the gate needs runs 4 and 5.
  s.ready.command = counting_command(counter, "[ $n -gt 3 ] || { echo \"warming up $n\"; exit 1; }");
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(test::file_text(counter), "5\n") << "three failures, then two passes in a row, then no more runs";
}

TEST_F(agent_e2e, a_ready_command_that_hangs_is_ended_at_the_check_timeout_and_the_next_rounds_still_run) {
  gate_after_launch(*emu, s, script("#!/bin/sh\nexit 0\n"), 8s);
  const auto counter = dir / "ready-count";
  // Run 1 hangs far past the test's own deadline; runs 2 and 3 pass at once.
  s.ready.command = counting_command(counter, "[ $n -gt 1 ] || { echo \"stuck\"; exec sleep 120; }");
  // A check bound by anything but --ready-check-timeout would use the whole 8 s gate up. With 2 s
  // a check, the passing runs may start until 6 s: 4 s after the hung run, room on a busy machine.
  s.ready.check_timeout = 2s;
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(test::file_text(counter), "3\n") << "the hung run, then two passes";
  EXPECT_TRUE(logged("time limit hit")) << "the hung run failed its round by the check timeout";
}

TEST_F(agent_e2e, a_ready_command_that_never_passes_completes_with_ready_failure_and_logs_its_exit_and_last_line) {
  gate_after_launch(*emu, s, script("#!/bin/sh\nexit 0\n"), 300ms);
  s.ready.command = "echo first; echo 'db not reachable'; exit 3";
  s.ready.on_failure = "CONTINUE";
  s.on_success = "CONTINUE";
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE") << "--ready-failure CONTINUE";
  EXPECT_TRUE(logged("exit 3: db not reachable"));
  EXPECT_TRUE(logged("ready-timeout"));
}

TEST_F(agent_e2e, the_gate_waits_for_neither_a_failed_launch_script_nor_a_termination) {
  put_launch_hook(*emu);
  test::webhook_server health(ioc.get_executor(), {});
  s.on_launch = script("#!/bin/sh\nexit 1\n");
  s.ready.http_url = health.url("/health");
  s.ready.interval = 20ms;
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
  EXPECT_TRUE(health.requests().empty()) << "a failed launch script is not followed by the gate";
}
