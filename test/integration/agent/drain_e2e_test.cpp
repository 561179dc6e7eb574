// SPDX-License-Identifier: Apache-2.0
// The drain phase in the agent's run, against the emulator: what is drained, that the script
// starts only once the drain is over, that heartbeats carry the action through a long drain, and
// what a drain that fails makes of the run, and that a Spot notice's drain leaves the script its
// share of the notice (issue 25).
#include "integration/agent/agent_fixture.hpp"

#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <sstream>

using namespace hookd;
using namespace std::chrono_literals;
using hookd::test::agent_e2e;
namespace net = boost::asio;

namespace {

std::vector<std::string> held(const std::vector<emulator::target_view>& v) {
  std::vector<std::string> out;
  for (const auto& t : v) out.push_back(t.id + ":" + std::to_string(t.port));
  return out;
}

/// A script that writes HOOKD_DRAIN_RESULT and the wall-clock nanosecond it started at.
std::string drain_report_script(const std::filesystem::path& out) {
  return "#!/bin/sh\nprintf '%s\\n' \"$(date +%s%N)\" \"$HOOKD_DRAIN_RESULT\" > " + out.string() + "\n";
}

/// What drain_report_script wrote: when the script started (ns), and HOOKD_DRAIN_RESULT.
std::pair<std::int64_t, std::string> read_report(const std::filesystem::path& p) {
  std::istringstream in(test::file_text(p));
  std::string started, result;
  std::getline(in, started);
  std::getline(in, result);
  return {started.empty() ? 0 : std::stoll(started), result};
}

std::int64_t ns_of(sys_time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// `2026-12-07T04:35:31.250Z`: a Spot notice's time to the millisecond, so a test's budget can be short.
std::string rfc3339_ms(sys_time t) {
  const auto whole = std::chrono::floor<std::chrono::seconds>(t);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - whole).count();
  auto text = iso8601(whole); // ...:ssZ
  return text.insert(text.size() - 1, "." + std::to_string(1000 + ms).substr(1)); // .250
}

/// The value of `key=` in the first log line that holds `event`, as a number (-1: no such line).
long long logged_number(const std::vector<std::string>& lines, std::string_view event, const std::string& key) {
  for (const auto& l : lines) {
    if (l.find(event) == std::string::npos) continue;
    const auto at = l.find(" " + key + "=");
    if (at != std::string::npos) return std::atoll(l.c_str() + at + key.size() + 2);
  }
  return -1;
}

} // namespace

TEST_F(agent_e2e, a_drain_deregisters_the_instance_from_exactly_its_target_groups_and_the_script_starts_after_the_delay) {
  use_imds();
  emu->set_imds_item("i-self", "network/interfaces/macs/", std::string("0e:00:00:00:00:01/\n"));
  emu->set_imds_item("i-self", "network/interfaces/macs/0e:00:00:00:00:01/local-ipv4s", std::string("10.0.0.5\n"));
  auto group = [&](std::string name, std::string type, std::vector<emulator::target_spec> targets) {
    emulator::target_group_spec g;
    g.name = std::move(name);
    g.target_type = std::move(type);
    g.deregistration_delay_s = 30;
    g.draining_for = 300ms; // the delay's meaning, in milliseconds
    g.targets = std::move(targets);
    return emu->add_target_group(g);
  };
  // i-self (10.0.0.5) is in a (two ports), b (by IP, two ports) and e; c and d hold others only.
  const auto a = group("a", "instance", {{"i-self", 80}, {"i-self", 8080}, {"i-other", 80}});
  const auto b = group("b", "ip", {{"10.0.0.5", 80}, {"10.0.0.5", 443}, {"10.0.0.9", 443}});
  const auto c = group("c", "instance", {{"i-other", 80}});
  const auto d = group("d", "ip", {{"10.0.0.9", 443}});
  const auto e = group("e", "instance", {{"i-self", 9000}});
  const auto report = dir / "drain-report";
  s.on_terminate = script(drain_report_script(report));
  s.drain.elbv2 = true;
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(held(emu->targets(a)), (std::vector<std::string>{"i-other:80"}));
  EXPECT_EQ(held(emu->targets(b)), (std::vector<std::string>{"10.0.0.9:443"}));
  EXPECT_EQ(held(emu->targets(c)), (std::vector<std::string>{"i-other:80"}));
  EXPECT_EQ(held(emu->targets(d)), (std::vector<std::string>{"10.0.0.9:443"}));
  EXPECT_TRUE(emu->targets(e).empty());
  const auto [started, result] = read_report(report);
  EXPECT_EQ(result, "elbv2=ok:5");
  // The script started only once the last registration had drained (300 ms after it was asked).
  const auto deregistered = emu->calls("DeregisterTargets");
  ASSERT_EQ(deregistered.size(), 3u) << "one call per group that held the instance";
  std::int64_t last = 0;
  for (const auto& answer : deregistered) last = std::max(last, ns_of(answer.answered));
  EXPECT_GE(started, last + 300'000'000LL) << "the script started before the targets had drained";
  EXPECT_TRUE(logged("drain-end"));
}

TEST_F(agent_e2e, heartbeats_keep_the_action_alive_through_an_ecs_drain_longer_than_its_heartbeat_timeout) {
  emulator::container_instance_spec ci;
  ci.cluster = "web";
  ci.ec2_instance_id = "i-self";
  for (auto d : {250ms, 500ms, 750ms, 1000ms}) ci.tasks.push_back({d});
  const auto arn = emu->add_container_instance(ci);
  const auto report = dir / "drain-report";
  s.on_terminate = script(drain_report_script(report));
  s.drain.ecs = true;
  s.drain.ecs_cluster = "web";
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // Virtual time: every 100 ms the emulator's clocks jump 4 s, so the 1 s drain spans 40 s, past
  // the hook's 30 s heartbeat timeout. Without heartbeats through the drain the action times out.
  std::optional<test::emulator_ticker> clock(std::in_place, ioc, *emu, 100ms, 4s);
  const auto before = ns_of(std::chrono::system_clock::now());
  auto done = run_agent();
  clock.reset();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(emu->action(token)->timed_out);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_GE(emu->action(token)->heartbeats, 5);
  EXPECT_EQ(emu->container_instance_status(arn), "DRAINING");
  const auto [started, result] = read_report(report);
  EXPECT_EQ(result, "ecs=ok:4");
  EXPECT_GE(started, before + 1'000'000'000LL) << "the script started before the last task stopped";
}

TEST_F(agent_e2e, a_drain_that_times_out_under_abandon_completes_with_abandon_and_runs_no_script) {
  emulator::container_instance_spec ci;
  ci.ec2_instance_id = "i-self";
  ci.tasks.push_back({std::nullopt}); // a standalone task: ECS does not stop it for a drain
  emu->add_container_instance(ci);
  const auto marker = dir / "script-ran";
  s.on_terminate = script("#!/bin/sh\ntouch " + marker.string() + "\n");
  s.drain.ecs = true;
  s.drain.ecs_cluster = "default";
  s.drain.timeout = 300ms;
  s.drain.on_failure = config::drain_failure::abandon;
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
  EXPECT_FALSE(std::filesystem::exists(marker)) << "--drain-failure abandon must not run the script";
  EXPECT_TRUE(logged("drain-failed-abandon"));
}

TEST_F(agent_e2e, a_drain_that_times_out_under_continue_runs_the_script_and_tells_it_so) {
  emulator::container_instance_spec ci;
  ci.ec2_instance_id = "i-self";
  ci.tasks.push_back({std::nullopt});
  emu->add_container_instance(ci);
  const auto report = dir / "drain-report";
  s.on_terminate = script(drain_report_script(report));
  s.drain.ecs = true;
  s.drain.ecs_cluster = "default";
  s.drain.timeout = 300ms;
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  const auto [started, result] = read_report(report);
  EXPECT_EQ(result, "ecs=timeout");
}

TEST_F(agent_e2e, a_spot_notice_drains_within_its_budget_and_the_script_runs_before_the_interruption) {
  use_imds();
  s.trigger_queue = false; // the notice alone: instance metadata, no queue, no lifecycle hook
  s.trigger_imds = true;
  s.imds_poll = 20ms;
  // A drain that would take a minute (the target reads `draining` for 60 s), under a
  // --drain-timeout that alone would let it run 15 s: only the notice's budget can cut it in time.
  emulator::target_group_spec g;
  g.name = "web";
  g.draining_for = 60s;
  g.targets = {{"i-self", 80}};
  const auto arn = emu->add_target_group(g);
  const auto report = dir / "drain-report";
  s.on_terminate = script(drain_report_script(report));
  s.drain.elbv2 = true;
  s.drain.timeout = 15s;
  const auto interruption = std::chrono::system_clock::now() + 3000ms;
  emu->set_imds_item("i-self", "spot/instance-action", R"({"action":"terminate","time":")" + rfc3339_ms(interruption) + R"("})");
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  // The drain ran: the instance's registration was deregistered and is draining.
  ASSERT_EQ(emu->calls("DeregisterTargets").size(), 1u);
  const auto t = emu->targets(arn);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].state, "draining");
  // Its budget: two thirds of the time left when it started, so at most 2000 ms of the 3000.
  const auto budget_ms = logged_number(lines, "drain-start", "deadline_ms");
  EXPECT_GE(budget_ms, 0) << "no drain-start line with deadline_ms";
  EXPECT_LE(budget_ms, 2000) << "the drain is not bounded by the Spot notice's time less the script's margin";
  const auto [started, result] = read_report(report);
  EXPECT_EQ(result, "elbv2=timeout") << "the drain was not cut at its budget";
  EXPECT_GT(started, ns_of(emu->calls("DeregisterTargets").at(0).answered)) << "the script started before the drain";
  EXPECT_LT(started, ns_of(interruption)) << "the script started after the interruption time";
}

TEST_F(agent_e2e, a_launch_is_never_drained) {
  emulator::container_instance_spec ci;
  ci.ec2_instance_id = "i-self";
  ci.tasks.push_back({std::nullopt});
  const auto arn = emu->add_container_instance(ci);
  put_hook("boot", "hooks", "autoscaling:EC2_INSTANCE_LAUNCHING");
  s.on_launch = script("#!/bin/sh\nexit 0\n");
  s.drain.ecs = true;
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(emu->container_instance_status(arn), "ACTIVE");
  EXPECT_TRUE(emu->calls("UpdateContainerInstancesState").empty());
}
