// SPDX-License-Identifier: Apache-2.0
// What hookd learns from instance metadata is keyed by source, transition and leg, with the real
// binary: a queue message in hookd's own key format is only a queue message, a notice's run is no
// termination, each warm-pool leg is its own action across a reboot, and a hook added after
// start-up is completed too.
#include "imds_fixture.hpp"

#include "support/messages.hpp"

using namespace hookd;
using namespace std::chrono_literals;
using hookd::test::imds_trigger;
using hookd::test::event_date;

namespace {

TEST_F(imds_trigger, tokens_in_hookd_s_own_key_formats_run_nothing_and_do_not_swallow_the_real_termination) {
  // The hook notifies no queue here: the real termination is learnt from metadata alone.
  put_hook("drain");
  for (const auto* t : {"instance:i-self:terminate", "instance:i-self:terminate:Terminated", "instance_i-self_terminate",
                        "instance_i-self_terminate_Terminated", "instance%3Ai-self%3Aterminate%3ATerminated"})
    emu->send_message("hooks", test::lifecycle_message(t));
  std::size_t runs_before_termination = 99;
  when([&] { return emu->queue_depth("hooks") == 0; }, [&] {
    runs_before_termination = runs().size();
    emu->terminate_instance("asg", "i-self");
  });
  stop_when([&] { return runs_before_termination != 99 && completions() == 1; });
  auto c = imds_cmd("queue,imds");
  c.env.push_back("HOOKD_CONFIRM_WINDOW=200ms");
  auto r = run(start(c), 40s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(runs_before_termination, 0u) << "a message ran the script without Auto Scaling's word\n" << all_output();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate imds token= hook=drain");
  EXPECT_EQ(completions(), 1) << all_output();
}

TEST_F(imds_trigger, a_maintenance_run_does_not_swallow_the_termination_that_follows) {
  const auto soon = std::chrono::system_clock::now() + 5min;
  emu->set_imds_item("i-self", "events/maintenance/scheduled",
                     R"([{"NotBefore":")" + event_date(soon) + R"(","Code":"system-reboot","EventId":"instance-event-9","State":"active"}])");
  when([&] { return runs().size() == 1; }, [&] { emu->terminate_instance("asg", "i-self"); });
  stop_when([&] { return completions() == 1; });
  auto c = imds_cmd("imds");
  c.env.push_back("HOOKD_ON_MAINTENANCE=script");
  c.env.push_back("HOOKD_MAINTENANCE_LEAD=10m");
  auto r = run(start(c), 40s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 2u) << all_output();
  EXPECT_EQ(runs()[0], "terminate maintenance token= hook=");
  EXPECT_EQ(runs()[1], "terminate imds token= hook=drain") << "the termination runs its own script, once";
  EXPECT_EQ(emu->actions().at(0).result, "CONTINUE");
}

TEST_F(imds_trigger, a_warm_pool_launch_is_completed_and_after_a_reboot_the_launch_into_service_runs_again) {
  put_hook("warm-up", "", "autoscaling:EC2_INSTANCE_LAUNCHING");
  emu->launch_into_warm_pool("asg", "i-self");
  auto c = imds_cmd("imds", {"--once"});
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  auto first = run(start(c), 40s);
  EXPECT_EQ(first.exit_code, 0) << first.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(completions(), 1) << "the launch into the warm pool is completed\n" << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Warmed:Running");

  // Stopped in the pool, booted again to leave it: the same state directory, a new hookd.
  emu->launch_instance("asg", "i-self");
  output.clear();
  auto second = run(start(c), 40s);
  EXPECT_EQ(second.exit_code, 0) << second.describe();
  ASSERT_EQ(runs().size(), 2u) << "the launch into service was taken for the warm pool's, done\n" << all_output();
  EXPECT_EQ(runs()[1], "launch imds token= hook=warm-up");
  EXPECT_EQ(completions(), 2) << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "InService");
}

TEST_F(imds_trigger, a_hook_added_after_start_up_is_completed_too) {
  when([&] { return said("imds-polling"); }, [&] {
    put_hook("logs");
    emu->terminate_instance("asg", "i-self");
  });
  stop_when([&] { return completions() == 2; });
  auto r = run(start(imds_cmd("imds")), 20s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  EXPECT_EQ(completions(), 2) << "the hook read at start-up only\n" << all_output();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Terminated");
}

} // namespace
