// SPDX-License-Identifier: Apache-2.0
// The warm-pool journey with the instance-metadata trigger and the real binary (issue 26): into a
// stopped pool, a reboot out of it into service, a scale-in back into the pool while hookd runs
// (then a power-off: hookd SIGKILLed), and a reboot out again. Each leg is its own action, learnt from metadata's target state and
// the group's record; each runs its own script once and is completed once by instance id.
#include "imds_fixture.hpp"

#include <algorithm>

using namespace hookd;
using namespace std::chrono_literals;
using hookd::test::imds_trigger;

namespace {

TEST_F(imds_trigger, the_warm_pool_journey_by_metadata_runs_each_leg_s_script_once_and_completes_each_action_once) {
  put_hook("warm-up", "", "autoscaling:EC2_INSTANCE_LAUNCHING"); // "drain" is the group's terminating hook
  emu->set_warm_pool_state("Stopped");
  const std::string line = "echo \"$1 $HOOKD_ORIGIN>$HOOKD_DESTINATION hook=$HOOKD_HOOK\" >> " + runs_file + "\n";
  write_script("#!/bin/sh\necho -n 'script ' >> " + runs_file + "\n" + line);
  const auto warm = (dir / "warm.sh").string();
  std::ofstream(warm) << "#!/bin/sh\necho -n 'warm ' >> " + runs_file + "\n" + line;
  ::chmod(warm.c_str(), 0755);
  const auto with_scripts = [&](proc::command c) {
    c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
    c.env.push_back("HOOKD_WARM_SCRIPT=" + warm);
    return c;
  };

  // Leg 1: launched into the pool. hookd runs until its action is done, then the instance stops.
  emu->launch_into_warm_pool("asg", "i-self");
  auto first = run(start(with_scripts(imds_cmd("imds", {"--once"}))), 40s);
  EXPECT_EQ(first.exit_code, 0) << first.describe() << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Warmed:Stopped");

  // Legs 2 and 3: booted out of the pool (a new hookd, the same state directory) into service;
  // later scaled in back into the pool while that hookd runs.
  emu->launch_instance("asg", "i-self");
  output.clear();
  bool scaled_in = false;
  when([&] { return completions() == 2 && emu->instance_state("asg", "i-self") == "InService"; }, [&] {
    scaled_in = true;
    emu->scale_in_to_warm_pool("asg", "i-self");
  });
  // Back in the stopped pool, the instance powers off: hookd is killed, not stopped.
  kill_when([&] { return scaled_in && completions() == 3 && emu->instance_state("asg", "i-self") == "Warmed:Stopped"; });
  auto second = run(start(with_scripts(imds_cmd("imds"))), 40s);
  EXPECT_EQ(second.signal, SIGKILL) << second.describe() << all_output();
  const auto second_output = all_output();

  // Leg 4: booted out of the pool again.
  emu->launch_instance("asg", "i-self");
  output.clear();
  auto third = run(start(with_scripts(imds_cmd("imds", {"--once"}))), 40s);
  EXPECT_EQ(third.exit_code, 0) << third.describe() << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "InService") << all_output();

  EXPECT_EQ(runs(), (std::vector<std::string>{"warm launch EC2>WarmPool hook=warm-up", "script launch >AutoScalingGroup hook=warm-up",
                                              "warm terminate AutoScalingGroup>WarmPool hook=drain",
                                              "script launch >AutoScalingGroup hook=warm-up"}))
      << all_output();
  EXPECT_EQ(completions(), 4) << "each action completed once\n" << second_output << all_output();
  for (const auto& a : emu->actions()) EXPECT_EQ(a.result, "CONTINUE") << a.hook;
  EXPECT_EQ(emu->actions().size(), 4u);
}

} // namespace

namespace {

TEST_F(imds_trigger, a_leg_into_the_pool_that_only_another_team_s_hook_holds_runs_none_of_our_scripts) {
  put_hook("warm-up", "", "autoscaling:EC2_INSTANCE_LAUNCHING"); // not ours: --hook drain
  emu->set_warm_pool_state("Stopped");
  auto c = imds_cmd("imds");
  c.env.push_back("HOOKD_HOOK=drain");
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  emu->launch_into_warm_pool("asg", "i-self");
  // Stopped once our hook has been asked twice (six polls apart) and was not the one waiting.
  const auto asked = [this] {
    int n = 0;
    for (const auto& h : emu->calls("RecordLifecycleActionHeartbeat")) n += h.status != 200;
    return n;
  };
  stop_when([&] { return asked() >= 2; });
  auto r = run(start(c), 40s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  EXPECT_TRUE(runs().empty()) << "a launch into the pool is not our drain hook's scale-in\n" << all_output();
  EXPECT_EQ(completions(), 0) << all_output();
  for (const auto& h : emu->calls("RecordLifecycleActionHeartbeat"))
    EXPECT_EQ(h.params.at("LifecycleHookName").as_string(), "drain") << "another team's action is never touched";
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Warmed:Pending:Wait");
}

/// The restart below, with the scale-in's activation delay (ms) during which the group shows
/// Warmed:Pending, not yet its wait state: a hookd that starts then must wait for the wait state
/// before it asks Auto Scaling which leg it is, since until then no action answers.
class warm_restart : public imds_trigger, public testing::WithParamInterface<int> {};

TEST_P(warm_restart, a_hookd_restarted_while_the_instance_waits_to_reenter_the_pool_takes_the_leg_for_the_scale_in_it_is) {
  put_hook("warm-up", "", "autoscaling:EC2_INSTANCE_LAUNCHING");
  emu->set_warm_pool_state("Stopped");
  write_script("#!/bin/sh\necho \"script $1 $HOOKD_ORIGIN>$HOOKD_DESTINATION hook=$HOOKD_HOOK\" >> " + runs_file + "\n");
  auto c = imds_cmd("imds", {"--once"});
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  emu->launch_instance("asg", "i-self"); // into service
  auto first = run(start(c), 40s);
  EXPECT_EQ(first.exit_code, 0) << first.describe() << all_output();
  // Scaled in back into the pool while no hookd runs (it crashed, or was restarted): the new one
  // sees Warmed:Stopped first. Metadata alone would make it a launch into the pool.
  const std::chrono::milliseconds delay(GetParam());
  emu->set_activation_delay(delay);
  const auto wait_begins = std::chrono::system_clock::now() + delay;
  emu->scale_in_to_warm_pool("asg", "i-self");
  const auto describes_before = emu->calls("DescribeAutoScalingInstances").size();
  if (GetParam() > 0) {
    ASSERT_EQ(emu->instance_state("asg", "i-self"), "Warmed:Pending") << "the test needs the activation delay";
  }
  output.clear();
  auto second = run(start(c), 40s);
  EXPECT_EQ(second.exit_code, 0) << second.describe() << all_output();
  EXPECT_EQ(runs(), (std::vector<std::string>{"script launch >AutoScalingGroup hook=warm-up",
                                              "script terminate AutoScalingGroup>WarmPool hook=drain"}))
      << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Warmed:Stopped") << all_output();
  EXPECT_EQ(completions(), 2) << all_output();
  if (GetParam() > 0) {
    // The restarted hookd's own calls: its identity look-up, then at least one poll's, all
    // answered before the wait state began, as the case needs.
    const auto calls = emu->calls("DescribeAutoScalingInstances");
    const auto early = std::count_if(calls.begin() + static_cast<long>(describes_before), calls.end(),
                                     [&](const auto& answered_call) { return answered_call.answered < wait_begins; });
    EXPECT_GE(early, 2) << all_output();
  }
}

INSTANTIATE_TEST_SUITE_P(activation, warm_restart, testing::Values(0, 3000),
                         [](const testing::TestParamInfo<int>& p) { return p.param ? "during_the_activation_delay" : "in_the_wait_state"; });

} // namespace
