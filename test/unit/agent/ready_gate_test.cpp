// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/ready_gate.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::agent;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {
const steady::time_point gate_t0{std::chrono::hours(1)};

lifecycle::lifecycle_action launch_into(std::string destination) {
  lifecycle::lifecycle_action a;
  a.transition = lifecycle::transition::launch;
  a.destination = std::move(destination);
  return a;
}
} // namespace

TEST(ready_gate, it_needs_the_configured_passes_in_a_row_and_a_failure_starts_the_count_over) {
  ready_gate g(2, 5s, 10s, gate_t0 + 600s);
  EXPECT_EQ(g.after_round(true, "", gate_t0).what, ready_step::check_at);
  EXPECT_EQ(g.in_a_row(), 1);
  auto s = g.after_round(false, "HTTP 503", gate_t0 + 5s);
  EXPECT_EQ(s.what, ready_step::check_at);
  EXPECT_EQ(s.at, gate_t0 + 10s);
  EXPECT_EQ(g.in_a_row(), 0) << "a check that passed and then fails again starts over";
  EXPECT_EQ(g.last_failure(), "HTTP 503");
  EXPECT_EQ(g.after_round(true, "", gate_t0 + 10s).what, ready_step::check_at);
  EXPECT_EQ(g.after_round(true, "", gate_t0 + 15s).what, ready_step::ready);
  EXPECT_EQ(g.rounds(), 4);
}

TEST(ready_gate, one_pass_is_enough_when_one_is_asked_for) {
  ready_gate g(1, 5s, 10s, gate_t0 + 600s);
  EXPECT_EQ(g.after_round(true, "", gate_t0).what, ready_step::ready);
}

TEST(ready_gate, the_last_round_starts_one_check_s_time_before_the_deadline_and_then_the_gate_ends_at_the_deadline) {
  ready_gate g(2, 5s, 10s, gate_t0 + 32s); // no round may start after +22 s
  EXPECT_EQ(g.after_round(false, "HTTP 503", gate_t0).at, gate_t0 + 5s);
  EXPECT_EQ(g.after_round(false, "HTTP 503", gate_t0 + 5s).at, gate_t0 + 10s);
  EXPECT_EQ(g.after_round(false, "HTTP 503", gate_t0 + 15s).at, gate_t0 + 20s);
  EXPECT_EQ(g.after_round(false, "HTTP 502", gate_t0 + 20s).at, gate_t0 + 22s) << "the last round, with its whole limit left";
  auto s = g.after_round(false, "exit 1: not yet", gate_t0 + 22s);
  EXPECT_EQ(s.what, ready_step::timed_out);
  EXPECT_EQ(s.at, gate_t0 + 32s) << "the failure result comes at the timeout, not before";
  EXPECT_EQ(g.last_failure(), "exit 1: not yet");
}

TEST(ready_gate, a_pass_that_completes_the_count_in_the_last_round_is_ready_one_that_does_not_times_out) {
  ready_gate enough(2, 5s, 10s, gate_t0 + 15s);
  enough.after_round(true, "", gate_t0);
  EXPECT_EQ(enough.after_round(true, "", gate_t0 + 5s).what, ready_step::ready);
  ready_gate short_of(3, 5s, 10s, gate_t0 + 15s);
  short_of.after_round(true, "", gate_t0);
  EXPECT_EQ(short_of.after_round(true, "", gate_t0 + 5s).what, ready_step::timed_out);
  EXPECT_TRUE(short_of.last_failure().empty());
}

TEST(ready_gate, a_timeout_shorter_than_one_check_gets_one_round) {
  ready_gate g(2, 5s, 10s, gate_t0 + 3s);
  auto s = g.after_round(false, "HTTP 503", gate_t0 + 1s);
  EXPECT_EQ(s.what, ready_step::timed_out);
  EXPECT_EQ(s.at, gate_t0 + 3s);
}

TEST(ready_gate, a_round_that_outlasts_the_deadline_times_out_at_once) {
  ready_gate g(2, 5s, 1s, gate_t0 + 5s);
  auto s = g.after_round(false, "http: did not answer", gate_t0 + 9s);
  EXPECT_EQ(s.what, ready_step::timed_out);
  EXPECT_EQ(s.at, gate_t0 + 9s);
}

TEST(ready_gate, the_deadline_is_the_timeout_or_the_action_s_global_timeout_whichever_comes_first) {
  EXPECT_EQ(ready_deadline(gate_t0, 600s, gate_t0 + 3600s), gate_t0 + 600s);
  EXPECT_EQ(ready_deadline(gate_t0, 600s, gate_t0 + 120s), gate_t0 + 120s);
}

TEST(ready_gate, one_check_is_bounded_by_its_limit_and_by_the_time_left) {
  EXPECT_EQ(ready_check_limit(gate_t0, gate_t0 + 600s, 10s), 10s);
  EXPECT_EQ(ready_check_limit(gate_t0, gate_t0 + 3s, 10s), 3s);
  EXPECT_EQ(ready_check_limit(gate_t0 + 5s, gate_t0 + 3s, 10s), 1ms) << "a check at or past the deadline still ends";
}

TEST(ready_gate, it_applies_to_a_successful_launch_into_the_group_with_a_check_configured) {
  config::ready_config on;
  on.http_url = "http://127.0.0.1/";
  config::ready_config off;
  EXPECT_TRUE(ready_gate_applies(on, launch_into(""), "CONTINUE", "CONTINUE"));
  EXPECT_TRUE(ready_gate_applies(on, launch_into("AutoScalingGroup"), "CONTINUE", "CONTINUE"));
  EXPECT_FALSE(ready_gate_applies(off, launch_into(""), "CONTINUE", "CONTINUE")) << "no check configured";
  EXPECT_FALSE(ready_gate_applies(on, launch_into("WarmPool"), "CONTINUE", "CONTINUE")) << "a leg into the warm pool";
  EXPECT_FALSE(ready_gate_applies(on, launch_into(""), "ABANDON", "CONTINUE")) << "the script failed";
  auto terminate = launch_into("");
  terminate.transition = lifecycle::transition::terminate;
  EXPECT_FALSE(ready_gate_applies(on, terminate, "CONTINUE", "CONTINUE"));
  config::ready_config command_only;
  command_only.command = "true";
  EXPECT_TRUE(ready_gate_applies(command_only, launch_into(""), "CONTINUE", "CONTINUE"));
}

TEST(ready_gate, an_http_answer_passes_on_2xx_and_with_the_body_text_when_one_is_asked_for) {
  EXPECT_TRUE(judge_http(200, "ok", "").passed);
  EXPECT_TRUE(judge_http(204, "", "").passed);
  EXPECT_FALSE(judge_http(503, "starting", "").passed);
  EXPECT_EQ(judge_http(503, "starting", "").detail, "HTTP 503");
  EXPECT_FALSE(judge_http(301, "", "").passed);
  EXPECT_TRUE(judge_http(200, "{\"status\":\"UP\"}", "\"UP\"").passed);
  const auto missing = judge_http(200, "{\"status\":\"DOWN\"}", "\"UP\"");
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.detail, "HTTP 200 without the --ready-http-body text");
}

TEST(ready_gate, a_command_s_line_is_its_exit_and_its_last_output_line_cut_short) {
  EXPECT_EQ(judge_command(false, "exit 1", "db not reachable").detail, "exit 1: db not reachable");
  EXPECT_EQ(judge_command(false, "exit 1", "stderr: db not reachable").detail, "exit 1: db not reachable") << "the tail's stream prefix goes";
  EXPECT_TRUE(judge_command(true, "exit 0", "").passed);
  EXPECT_EQ(judge_command(true, "exit 0", "").detail, "exit 0");
  EXPECT_EQ(judge_command(false, "exit 2", std::string(500, 'x')).detail.size(), std::string("exit 2: ").size() + 200);
}

TEST(ready_gate, a_round_is_bounded_by_each_configured_check_in_turn) {
  config::ready_config r;
  r.check_timeout = 10s;
  EXPECT_EQ(r.round_bound(), 0s);
  r.http_url = "http://127.0.0.1/health";
  EXPECT_EQ(r.round_bound(), 10s);
  r.command = "true";
  EXPECT_EQ(r.round_bound(), 20s) << "the GET, then the command";
}

TEST(ready_gate, the_settings_rule_refuses_exactly_the_gates_that_instant_answers_could_not_pass) {
  // config::ready_settings_conflict states the gate's schedule in its own words (config sits
  // below the agent); here the two are held together over a grid of settings.
  int refused = 0, accepted = 0;
  for (int passes : {1, 2, 3, 5})
    for (auto interval : {1s, 5s})
      for (auto check : {1s, 10s, 30s})
        for (auto timeout : {5s, 10s, 12s, 15s, 16s, 35s, 60s})
          for (bool both : {false, true}) {
            config::ready_config r;
            r.passes = passes;
            r.interval = interval;
            r.check_timeout = check;
            r.timeout = timeout;
            r.http_url = "http://127.0.0.1/health";
            if (both) r.command = "true";
            // Every round answers at once and passes: does the gate reach `passes` in time?
            ready_gate g(r.passes, r.interval, r.round_bound(), gate_t0 + r.timeout);
            auto now = gate_t0;
            ready_step step;
            while ((step = g.after_round(true, "", now)).what == ready_step::check_at) now = step.at;
            const bool can_pass = step.what == ready_step::ready;
            EXPECT_EQ(config::ready_settings_conflict(r).has_value(), !can_pass)
                << passes << " passes, " << interval.count() << " s apart, " << check.count() << " s a check"
                << (both ? " (two checks)" : "") << ", timeout " << timeout.count() << " s";
            (can_pass ? accepted : refused) += 1;
          }
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0);
}
