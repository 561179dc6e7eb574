// SPDX-License-Identifier: Apache-2.0
// Warm pools leg by leg, against the emulator (issue 26): a leg's Origin and Destination reach
// the script from every notification shape, a leg into the warm pool runs --warm-script in place
// of the launch script, and the readiness gate holds only the leg into the group.
#include "integration/agent/agent_fixture.hpp"
#include "support/webhook_server.hpp"

#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>

using namespace hookd;
using namespace std::chrono_literals;
using hookd::test::agent_e2e;

namespace {

void put_boot_hook(emulator::server& emu, emulator::notification_format format) {
  emulator::hook_spec h;
  h.group = "asg";
  h.name = "boot";
  h.queue = "hooks";
  h.transition = "autoscaling:EC2_INSTANCE_LAUNCHING";
  h.heartbeat_timeout = 30;
  h.format = format;
  emu.put_hook(h);
}

/// A script that writes its name, HOOKD_ORIGIN and HOOKD_DESTINATION to `out`.
std::string leg_script(const std::string& name, const std::filesystem::path& out) {
  return "#!/bin/sh\necho \"" + name + " $HOOKD_ORIGIN $HOOKD_DESTINATION\" >> " + out.string() + "\n";
}

} // namespace

class warm_legs : public agent_e2e {
protected:
  /// An executable script at dir/NAME.sh (the fixture's script() names files by log size).
  std::string named_script(const std::string& name, const std::string& body) {
    const auto p = (dir / (name + ".sh")).string();
    std::ofstream(p) << body;
    ::chmod(p.c_str(), 0755);
    return p;
  }

  /// Where the leg scripts write: one line a run, "NAME ORIGIN DESTINATION".
  std::filesystem::path legs() const { return dir / "legs"; }

  /// The launch and warm scripts, each writing its line to legs(), and a readiness gate on
  /// `health` (rounds 20 ms apart, at most 5 s).
  void leg_scripts_gated_by(const test::webhook_server& health) {
    s.on_launch = named_script("launch", leg_script("launch", legs()));
    s.on_warm = named_script("warm", leg_script("warm", legs()));
    s.ready.http_url = health.url("/health");
    s.ready.interval = 20ms;
    s.ready.timeout = 5s;
  }

  /// The launching hook "boot", notifying no queue: a test sends the messages itself.
  void put_launch_hook_without_queue() {
    emulator::hook_spec h;
    h.group = "asg";
    h.name = "boot";
    h.transition = "autoscaling:EC2_INSTANCE_LAUNCHING";
    h.heartbeat_timeout = 30;
    emu->put_hook(h);
  }

  /// A launch into the warm pool, notified in `format`: what the launch script was told.
  std::string leg_seen_in(emulator::notification_format format) {
    put_boot_hook(*emu, format);
    s.on_launch = named_script("launch", leg_script("launch", legs()));
    const auto token = emu->launch_into_warm_pool("asg", "i-self").at(0);
    auto done = run_agent();
    EXPECT_EQ(done.size(), 1u);
    EXPECT_EQ(emu->action(token)->result, "CONTINUE");
    return test::file_text(legs());
  }
};

TEST_F(warm_legs, a_direct_notification_s_origin_and_destination_reach_the_script) {
  EXPECT_EQ(leg_seen_in(emulator::notification_format::direct), "launch EC2 WarmPool\n");
}

TEST_F(warm_legs, an_sns_envelope_s_origin_and_destination_reach_the_script) {
  EXPECT_EQ(leg_seen_in(emulator::notification_format::sns), "launch EC2 WarmPool\n");
}

TEST_F(warm_legs, an_eventbridge_event_s_origin_and_destination_reach_the_script) {
  EXPECT_EQ(leg_seen_in(emulator::notification_format::eventbridge), "launch EC2 WarmPool\n");
}

TEST_F(warm_legs, a_leg_into_the_warm_pool_runs_the_warm_script_and_is_not_held_by_the_readiness_gate) {
  put_boot_hook(*emu, emulator::notification_format::direct);
  test::webhook_server health(ioc.get_executor(), std::vector<unsigned>(1000, 503)); // never ready
  leg_scripts_gated_by(health);
  const auto token = emu->launch_into_warm_pool("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(test::file_text(legs()), "warm EC2 WarmPool\n") << "the warm script in place of the launch script";
  EXPECT_TRUE(health.requests().empty()) << "the gate holds only the leg into the group";
}

TEST_F(warm_legs, a_leg_into_the_group_runs_the_launch_script_and_waits_for_readiness) {
  put_boot_hook(*emu, emulator::notification_format::direct);
  test::webhook_server health(ioc.get_executor(), {503, 503});
  leg_scripts_gated_by(health);
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(test::file_text(legs()), "launch EC2 AutoScalingGroup\n");
  EXPECT_EQ(health.requests().size(), 4u) << "two 503s, then two 200s in a row";
}

TEST_F(warm_legs, a_forged_destination_warm_pool_on_a_launch_into_the_group_changes_neither_the_script_nor_the_gate) {
  put_launch_hook_without_queue();
  test::webhook_server health(ioc.get_executor(), {503});
  leg_scripts_gated_by(health);
  // The real action's token, in a copy whose Destination says WarmPool (the real message, which
  // says AutoScalingGroup, never reaches the queue: its hook notifies none).
  const auto token = emu->launch_instance("asg", "i-self").at(0);
  emu->send_message("hooks", boost::json::serialize(boost::json::object{
                                 {"LifecycleActionToken", token}, {"AutoScalingGroupName", "asg"}, {"LifecycleHookName", "boot"},
                                 {"EC2InstanceId", "i-self"}, {"LifecycleTransition", "autoscaling:EC2_INSTANCE_LAUNCHING"},
                                 {"Origin", "EC2"}, {"Destination", "WarmPool"}}));
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(test::file_text(legs()), "launch EC2 AutoScalingGroup\n") << "Auto Scaling's record (Pending:Wait) decides the leg";
  EXPECT_EQ(health.requests().size(), 3u) << "the gate held the launch: a 503, then two 200s";
  EXPECT_TRUE(logged("leg-corrected"));
}

TEST_F(warm_legs, the_warm_pool_journey_by_the_queue_runs_each_leg_s_script_once_across_restarts_on_one_state_directory) {
  // Launch into a stopped warm pool; hookd goes down with the instance and comes back (a new
  // agent on the same state directory, as cron @reboot starts it); the launch out of the pool
  // into service; scale-in back into the pool; out of the pool again. Four actions of one
  // instance id, each its own leg.
  put_boot_hook(*emu, emulator::notification_format::eventbridge);
  emu->set_warm_pool_state("Stopped");
  test::webhook_server health(ioc.get_executor(), {});
  leg_scripts_gated_by(health);
  s.on_terminate = named_script("terminate", leg_script("terminate", legs()));
  std::vector<std::string> tokens;
  const auto leg = [&](std::vector<std::string> leg_tokens, const char* state_after) {
    ASSERT_EQ(leg_tokens.size(), 1u);
    tokens.push_back(leg_tokens[0]);
    auto done = run_agent(); // --once: this leg's action, then hookd ends
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(emu->instance_state("asg", "i-self"), state_after);
  };
  leg(emu->launch_into_warm_pool("asg", "i-self"), "Warmed:Stopped");
  leg(emu->launch_instance("asg", "i-self"), "InService");
  leg(emu->scale_in_to_warm_pool("asg", "i-self"), "Warmed:Stopped");
  leg(emu->launch_instance("asg", "i-self"), "InService");
  EXPECT_EQ(test::file_text(legs()), "warm EC2 WarmPool\n"
                            "launch WarmPool AutoScalingGroup\n"
                            "warm AutoScalingGroup WarmPool\n"
                            "launch WarmPool AutoScalingGroup\n");
  for (const auto& t : tokens) {
    EXPECT_EQ(emu->action(t)->result, "CONTINUE");
    EXPECT_EQ(calls_for_token("CompleteLifecycleAction", t).size(), 1u) << "each action completed once";
  }
  EXPECT_EQ(health.requests().size(), 4u) << "the gate held only the two legs into the group, two passes each";
}
