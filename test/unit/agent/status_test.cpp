// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/status.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::agent;
using namespace std::chrono_literals;

namespace {
status_snapshot sample(sys_time now) {
  status_snapshot s;
  s.pid = 42;
  s.version = "0.1.0";
  s.instance = "i-0abc";
  s.group = "web";
  s.started = now - 1h;
  s.updated = now - 2s;
  auto& q = s.source("queue");
  q.interval = 20s;
  q.last_poll = q.last_ok = now - 3s;
  auto& m = s.source("imds");
  m.interval = 5s;
  m.last_poll = now - 1s;
  m.last_ok = now - 10min;
  m.last_error = "IMDS GET timed out";
  s.running = running_status{"tok-1", "terminate", "drain", "queue", now - 12s, now + 8s, "script", now - 4s};
  s.add_result({"tok-0", "launch", "warm", "imds", "CONTINUE", "yes", now - 30min, 1500ms});
  s.actions[{"queue", "terminate", "CONTINUE"}] = 3;
  s.actions[{"spot", "terminate", "ABANDON"}] = 1;
  s.aws_calls[{"sqs", "OK"}] = 100;
  s.aws_calls[{"autoscaling", "Throttling"}] = 2;
  s.notices["spot"] = 1;
  s.script_seconds = 12.5;
  s.scripts = 4;
  s.heartbeats = 9;
  return s;
}
} // namespace

TEST(status, the_state_file_round_trips) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto back = parse_status_json(status_json(sample(now)));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->pid, 42);
  EXPECT_EQ(back->instance, "i-0abc");
  EXPECT_EQ(back->updated, now - 2s);
  ASSERT_EQ(back->sources.size(), 2u);
  EXPECT_EQ(back->sources[1].name, "imds");
  EXPECT_EQ(back->sources[1].last_error, "IMDS GET timed out");
  EXPECT_EQ(back->sources[1].interval, 5s);
  ASSERT_TRUE(back->running);
  EXPECT_EQ(back->running->next_heartbeat, now + 8s);
  EXPECT_EQ(back->running->phase, "script");
  EXPECT_EQ(back->running->phase_started, now - 4s);
  ASSERT_EQ(back->results.size(), 1u);
  EXPECT_EQ(back->results[0].script_duration, 1500ms);
  EXPECT_FALSE(parse_status_json("{}")) << "no 'updated' time";
  EXPECT_FALSE(parse_status_json("not json"));
}

TEST(status, only_the_last_results_are_kept) {
  status_snapshot s;
  for (int i = 0; i < 25; ++i) s.add_result({"t" + std::to_string(i), "terminate", "h", "queue", "CONTINUE", "yes", {}, {}});
  ASSERT_EQ(s.results.size(), status_snapshot::results_kept);
  EXPECT_EQ(s.results.back().token, "t24");
}

TEST(status, metrics_are_node_exporter_text_with_bounded_labels) {
  const auto now = std::chrono::system_clock::now();
  const auto text = metrics_text(sample(now));
  EXPECT_NE(text.find("# TYPE hookd_actions_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("hookd_actions_total{trigger=\"queue\",transition=\"terminate\",result=\"CONTINUE\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("hookd_aws_requests_total{service=\"autoscaling\",code=\"Throttling\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("hookd_script_seconds_sum 12.500\nhookd_script_seconds_count 4\n"), std::string::npos);
  EXPECT_NE(text.find("hookd_source_up{source=\"queue\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("hookd_source_up{source=\"imds\"} 0\n"), std::string::npos) << "its last poll failed";
  EXPECT_NE(text.find("hookd_notices_total{kind=\"spot\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("hookd_action_running 1\n"), std::string::npos);
  EXPECT_EQ(text.find("i-0abc"), std::string::npos) << "never an instance id as a label";
  EXPECT_EQ(text.find("tok-1"), std::string::npos) << "never a token as a label";
  EXPECT_EQ(text.back(), '\n');
}

TEST(status, health_names_each_problem) {
  const auto now = std::chrono::system_clock::now();
  auto s = sample(now);
  auto h = judge(s, now, true);
  EXPECT_FALSE(h.ok);
  ASSERT_EQ(h.problems.size(), 1u);
  EXPECT_NE(h.problems[0].find("source imds has failed since"), std::string::npos) << h.problems[0];
  EXPECT_NE(h.problems[0].find("IMDS GET timed out"), std::string::npos) << h.problems[0];
  s.source("imds").last_ok = now - 30s;
  EXPECT_TRUE(judge(s, now, true).ok) << "failing for less than a minute, whatever the interval";
  EXPECT_FALSE(judge(s, now, false).ok) << "not running";
  s.source("fresh").last_poll = now;
  EXPECT_FALSE(judge(s, now, true).ok) << "a source that never succeeded";
}

TEST(status, an_idle_hookd_whose_state_file_is_hours_old_is_healthy_while_it_holds_the_lock) {
  // An idle hookd writes nothing (issue 28): its state file and the poll times in it are those
  // of its last change. Before, a state file older than a minute read "hookd is stuck".
  const auto now = std::chrono::system_clock::now();
  auto s = sample(now);
  s.source("imds").last_error.clear();
  s.updated = now - 5h;
  s.source("queue").last_poll = s.source("queue").last_ok = now - 5h;
  s.source("imds").last_poll = s.source("imds").last_ok = now - 5h;
  EXPECT_TRUE(judge(s, now, true).ok) << judge(s, now, true).problems.at(0);
  EXPECT_FALSE(judge(s, now, false).ok) << "the lock is free: no hookd runs";
}

TEST(status, the_metrics_carry_no_clock_reading_so_a_poll_alone_changes_nothing_in_them) {
  // The metrics file is written only when its text changes (agent::write_report): a poll time in
  // it (hookd_last_successful_poll_timestamp_seconds, before issue 28) made every poll a write.
  const auto now = std::chrono::system_clock::now();
  auto a = sample(now);
  auto b = a;
  b.updated = now + 5s;
  b.source("queue").last_poll = b.source("queue").last_ok = now + 5s;
  b.source("imds").last_poll = now + 5s;
  EXPECT_EQ(metrics_text(a), metrics_text(b)) << "only the clock moved";
  auto c = b;
  c.source("fresh").last_poll = now;
  EXPECT_NE(metrics_text(b), metrics_text(c)) << "a new source";
  auto d = b;
  d.source("imds").last_error = "";
  d.source("imds").last_ok = now;
  EXPECT_NE(metrics_text(b), metrics_text(d)) << "a source recovered";
  auto e = b;
  e.aws_calls[{"sqs", "OK"}] = 101;
  EXPECT_NE(metrics_text(b), metrics_text(e)) << "a counter moved";
}

TEST(status, an_action_is_counted_by_its_result_and_its_script_by_being_started) {
  status_snapshot s;
  // A script that ended within the millisecond it began still ran (CI once counted it as none).
  s.record_action({"t1", "terminate", "h", "queue", "CONTINUE", "yes", {}, 0ms, true}, 2);
  // An action attached to that run completes with its result but started no script.
  s.record_action({"instance:i-1", "terminate", "h", "imds", "CONTINUE", "yes", {}, 0ms, false}, 0);
  s.record_action({"t2", "terminate", "h", "queue", "ABANDON", "already-over", {}, 1500ms, true}, 1);
  s.record_action({"t3", "launch", "h", "queue", "CONTINUE", "no", {}, 0ms, false}, 0);
  EXPECT_EQ(s.scripts, 2u);
  EXPECT_DOUBLE_EQ(s.script_seconds, 1.5);
  EXPECT_EQ(s.heartbeats, 3u);
  EXPECT_EQ((s.actions[{"queue", "terminate", "CONTINUE"}]), 1u);
  EXPECT_EQ((s.actions[{"imds", "terminate", "CONTINUE"}]), 1u);
  EXPECT_EQ((s.actions[{"queue", "terminate", "ABANDON"}]), 1u);
  EXPECT_EQ((s.actions[{"queue", "launch", "not-completed"}]), 1u);
  ASSERT_EQ(s.results.size(), 4u);
  EXPECT_EQ(s.results.back().token, "t3");
}

TEST(status, notification_outcomes_are_counted_in_the_metrics_only_when_notifications_are_on) {
  status_snapshot s;
  EXPECT_EQ(metrics_text(s).find("hookd_notifications_total"), std::string::npos);
  s.notifications = {{"delivered", 7}, {"failed", 1}, {"dropped", 2}};
  const auto text = metrics_text(s);
  EXPECT_NE(text.find("hookd_notifications_total{outcome=\"dropped\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_notifications_total{outcome=\"delivered\"} 7\n"), std::string::npos);
}

TEST(status, readiness_gates_and_checks_are_counted_with_bounded_labels_once_a_gate_has_run) {
  status_snapshot s;
  EXPECT_EQ(metrics_text(s).find("hookd_ready_"), std::string::npos);
  s.ready_gates = {{"ready", 3}, {"not_ready", 1}};
  s.ready_checks = {{{"http", "fail"}, 12}, {{"http", "pass"}, 6}, {{"command", "pass"}, 6}};
  s.ready_seconds = 42.5;
  const auto text = metrics_text(s);
  EXPECT_NE(text.find("hookd_ready_gates_total{result=\"not_ready\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_ready_checks_total{check=\"http\",result=\"fail\"} 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_ready_seconds_total 42.5"), std::string::npos) << text;
}
