// SPDX-License-Identifier: Apache-2.0
// The runner's rule, case by case: which action attaches to its transition's run, and which needs
// a run of its own; the keys and file names actions are kept by; a Spot limit's arithmetic.
#include "hookd/agent/journal.hpp"
#include "hookd/agent/transition_runs.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace hookd;
using namespace hookd::agent;
using namespace std::chrono_literals;
using lifecycle::action_source;

namespace {
lifecycle::lifecycle_action queue_action(const std::string& hook, const std::string& token = "t-1") {
  lifecycle::lifecycle_action a;
  a.token = token;
  a.hook = hook;
  return a;
}

lifecycle::lifecycle_action metadata_action(const std::string& target, lifecycle::transition t = lifecycle::transition::terminate) {
  lifecycle::lifecycle_action a;
  a.source = action_source::instance;
  a.transition = t;
  a.target = target;
  a.token = lifecycle::instance_action_key("i-self", lifecycle::transition_word(t), target);
  return a;
}

transition_run ended(bool instance_word, std::string target, std::set<std::string> hooks) {
  transition_run r;
  r.finished = true;
  r.instance_word = instance_word;
  r.target = std::move(target);
  r.hooks = std::move(hooks);
  return r;
}
} // namespace

TEST(transition_runs, a_queue_token_spelling_an_instance_key_is_still_a_queue_action_with_its_own_name) {
  auto forged = queue_action("drain", "instance:i-self:terminate:Terminated");
  const auto own = metadata_action("Terminated");
  EXPECT_FALSE(forged.by_instance()) << "the source is hookd's, never the token's";
  EXPECT_EQ(forged.aws_token(), forged.token) << "a queue token goes to Auto Scaling, to be confirmed";
  EXPECT_EQ(own.token, forged.token);
  EXPECT_NE(lifecycle::action_key(forged), lifecycle::action_key(own));
  EXPECT_EQ(lifecycle::action_key(own), lifecycle::instance_key("i-self", "terminate", "Terminated")) << "one name, however it is made";
  EXPECT_NE(journal::name_of(forged), journal::name_of(own));
}

TEST(transition_runs, file_names_are_injective_have_no_path_and_stay_short) {
  // The old mapping turned ':' into '_': these two shared a file.
  const std::vector<std::string> keys{"q:instance_i-1_terminate", "q:instance:i-1:terminate", "i:instance:i-1:terminate",
                                      "q:a%3Ab", "q:a:b", "q:../../etc/passwd", "q:a/b", "q:.hidden", "q:",
                                      std::string("q:nul\0byte", 10), "q:" + std::string(500, 'x'), "q:" + std::string(501, 'x')};
  std::set<std::string> names;
  for (const auto& k : keys) {
    const auto n = journal::file_name(k);
    EXPECT_TRUE(names.insert(n).second) << k << " shares " << n;
    EXPECT_EQ(n.find('/'), std::string::npos) << n;
    EXPECT_NE(n.front(), '.') << n;
    EXPECT_EQ(n.find('\0'), std::string::npos);
    EXPECT_LE(n.size(), journal::max_plain_name) << k.size();
  }
  EXPECT_EQ(journal::file_name("q:0a1b-C2"), "q%3A0a1b-C2") << "a UUID stays readable";
}

TEST(transition_runs, a_run_going_takes_every_action_of_its_transition_and_a_notice_never_joins_one) {
  transition_run going;
  going.hooks = {"drain"};
  EXPECT_EQ(choose_run(&going, queue_action("drain", "t-2")), run_choice::attach);
  EXPECT_EQ(choose_run(&going, metadata_action("Terminated")), run_choice::attach);
  EXPECT_EQ(choose_run(nullptr, queue_action("drain")), run_choice::own_run);
  auto notice = metadata_action("rebalance:2026-12-01T08:22:00Z");
  notice.notice = true;
  EXPECT_EQ(choose_run(&going, notice), run_choice::own_run) << "a notice is no run of the transition";
}

TEST(transition_runs, after_a_queue_run_another_hook_attaches_and_the_same_hook_live_again_is_a_new_transition) {
  const auto run = ended(false, "", {"drain"});
  EXPECT_EQ(choose_run(&run, queue_action("logs", "t-2")), run_choice::attach) << "a second hook of the transition";
  EXPECT_EQ(choose_run(&run, queue_action("drain", "t-3")), run_choice::own_run) << "a warm pool's second launch";
  EXPECT_EQ(choose_run(&run, metadata_action("Terminated")), run_choice::attach) << "metadata seeing the queue's termination";
  EXPECT_EQ(choose_run(&run, metadata_action("Warmed:Running", lifecycle::transition::launch)), run_choice::own_run)
      << "a warm pool's leg is its own";
}

TEST(transition_runs, after_a_metadata_run_the_same_leg_attaches_and_another_leg_runs_again) {
  const auto launched = ended(true, "Warmed:Running", {"warm-up"});
  EXPECT_EQ(choose_run(&launched, metadata_action("Warmed:Running", lifecycle::transition::launch)), run_choice::attach);
  EXPECT_EQ(choose_run(&launched, metadata_action("InService", lifecycle::transition::launch)), run_choice::own_run)
      << "out of the warm pool into service is a launch of its own";
  EXPECT_EQ(choose_run(&launched, queue_action("warm-up", "t-9")), run_choice::own_run)
      << "confirmed live after the run's completion: the next leg's action";
  auto completing = launched;
  completing.completing = 1;
  EXPECT_EQ(choose_run(&completing, queue_action("warm-up", "t-9")), run_choice::attach)
      << "while the run completes by instance id, the queue's action is that same one";
  const auto spot = ended(true, "spot", {"drain"});
  EXPECT_EQ(choose_run(&spot, metadata_action("Terminated")), run_choice::attach) << "Spot, then the termination: one leg";
  EXPECT_EQ(choose_run(&spot, queue_action("drain")), run_choice::attach);
}

TEST(transition_runs, a_spot_limit_never_inverts_its_bounds) {
  EXPECT_EQ(limit_before(120s, 10s, 3600s), 105s);
  EXPECT_EQ(limit_before(3s, 10s, 3600s), 1s) << "never under a second";
  EXPECT_EQ(limit_before(120s, 10s, 500ms), 500ms) << "a limit under a second stays (std::clamp had lo > hi here)";
  EXPECT_EQ(limit_before(-5min, 10s, 500ms), 500ms);
}

static bool waits(const std::string& state, const lifecycle::lifecycle_action& a) { return still_in_transition(state, a.transition, a.target); }

TEST(transition_runs, the_wait_of_each_leg_is_read_from_the_group_s_state) {
  EXPECT_TRUE(waits("Terminating:Wait", metadata_action("Terminated")));
  EXPECT_FALSE(waits("Terminating:Proceed", metadata_action("Terminated")));
  EXPECT_TRUE(waits("Pending:Wait", metadata_action("InService", lifecycle::transition::launch)));
  EXPECT_TRUE(waits("Warmed:Pending:Wait", metadata_action("Warmed:Running", lifecycle::transition::launch)));
  EXPECT_FALSE(waits("Warmed:Running", metadata_action("Warmed:Running", lifecycle::transition::launch)));
  EXPECT_FALSE(waits("Pending:Wait", metadata_action("Warmed:Stopped", lifecycle::transition::launch)));
}

TEST(transition_runs, a_change_of_leg_ends_the_runs_of_other_legs_but_not_the_queue_s_termination) {
  std::map<lifecycle::transition, transition_run> runs;
  runs[lifecycle::transition::launch] = ended(true, "InService", {"warm-up"});
  runs[lifecycle::transition::terminate] = ended(false, "", {"drain"});
  forget_other_legs(runs, "Terminated");
  EXPECT_FALSE(runs.count(lifecycle::transition::launch));
  EXPECT_TRUE(runs.count(lifecycle::transition::terminate)) << "metadata's Terminated after the queue's run is that same termination";
  forget_other_legs(runs, "Warmed:Running");
  EXPECT_TRUE(runs.empty()) << "into a warm pool, every earlier run is of the past";
  runs[lifecycle::transition::launch] = ended(true, "Warmed:Running", {"warm-up"});
  runs[lifecycle::transition::launch].finished = false;
  forget_other_legs(runs, "InService");
  EXPECT_TRUE(runs.count(lifecycle::transition::launch)) << "a run going ends as it is";
}

TEST(transition_runs, the_group_s_state_names_a_transition_only_while_the_instance_is_on_its_way_through_it) {
  EXPECT_EQ(event_of_group_state("Terminating:Wait")->target, "Terminated");
  EXPECT_EQ(event_of_group_state("Terminating")->transition, lifecycle::transition::terminate);
  EXPECT_EQ(event_of_group_state("Pending:Wait")->transition, lifecycle::transition::launch);
  EXPECT_EQ(event_of_group_state("Pending:Wait")->trigger, "group");
  for (const auto* settled : {"InService", "Terminating:Proceed", "Terminated", "Warmed:Pending:Wait", "Standby", ""})
    EXPECT_FALSE(event_of_group_state(settled)) << settled;
}
