// SPDX-License-Identifier: Apache-2.0
// What the agent shows outside: STATE/status.json for `hookd status`, and --metrics-file for
// node_exporter. Rendered when something a reader acts on changes (status_changed(): a source
// starts or stops working, an action starts, heartbeats or ends, a notice comes), never on a
// timer; written (on report_writer's helper thread, never on the loop) only when changed.
#include "hookd/agent/agent.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/atomic_file.hpp"

#include <algorithm>
#include <filesystem>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

/// How long stopping waits for the final status and metrics writes: a healthy disk takes
/// milliseconds, and a stuck one must not hold up the exit a service manager is waiting for.
constexpr std::chrono::seconds final_write_bound{2};

void agent::record_poll(const std::string& source, const std::string& error) {
  auto& st = status_.source(source);
  // First poll, first success, or a flip between working and failing: worth writing at once.
  const bool changed = !st.last_poll || (error.empty() && !st.last_ok) || st.last_error.empty() != error.empty();
  st.last_poll = std::chrono::system_clock::now();
  st.last_error = error;
  if (error.empty()) st.last_ok = st.last_poll;
  if (changed) status_changed();
}

void agent::status_changed() {
  report_due_ = true;
  if (!report_settling_) report_timer_.cancel();
  // READY=1 for systemd: the identity look-up's signed calls proved the credentials before the
  // agent began, and now every source has answered once.
  const auto ok = [](const source_status& src) { return src.last_ok.has_value(); };
  if (!ready_told_ && !status_.sources.empty() && std::all_of(status_.sources.begin(), status_.sources.end(), ok)) {
    ready_told_ = true;
    tell_phase(event_kind::ready);
  }
}

event agent::about(event_kind k, const lifecycle::lifecycle_action& a, std::string detail) const {
  event e;
  e.kind = k;
  e.instance = a.instance_id.empty() ? id_.instance_id : a.instance_id;
  e.group = a.group.empty() ? id_.group : a.group;
  e.hook = a.hook;
  if (!a.token.empty()) e.transition = std::string(lifecycle::transition_word(a.transition));
  e.trigger = a.trigger;
  e.token = a.aws_token();
  e.detail = std::move(detail);
  return e;
}

event agent::about(event_kind k, const action_summary& s) const {
  event e;
  e.kind = k;
  e.instance = s.instance_id.empty() ? id_.instance_id : s.instance_id;
  e.group = id_.group;
  e.hook = s.hook;
  e.transition = s.transition;
  e.trigger = s.trigger;
  if (!s.by_instance) e.token = s.token;
  e.result = s.result;
  e.detail = (s.completed ? "completed" : s.already_over ? "already over" : "not completed") +
             (s.outcome.empty() ? std::string() : "; script: " + s.outcome);
  e.duration = s.total;
  return e;
}

net::awaitable<void> agent::report_loop() {
  report_due_ = true; // the first report: hookd has started
  while (reporting_) {
    if (!report_due_) {
      // Until something changes: status_changed() cancels this wait. At idle the reports neither
      // wake hookd nor write (issue 28 saw status.json rewritten every 5 s, then every 20 s).
      report_timer_.expires_at(steady::time_point::max());
      co_await report_timer_.async_wait(nothrow);
      continue;
    }
    // Changes come in bursts (an action's start, its heartbeat plan, its end and result): a
    // burst is rendered and written once, report_settle after its first change. So the
    // rendering here and the helper thread's open, write and rename (system calls on the same
    // cores) stay off the paths from a receive to the exec and from the exit to the completion.
    report_settling_ = true;
    const auto until = steady::now() + report_settle;
    while (reporting_ && steady::now() < until) {
      report_timer_.expires_at(until);
      co_await report_timer_.async_wait(nothrow);
    }
    report_settling_ = false;
    report_due_ = false;
    write_report();
  }
  write_report(); // the final word: nothing running (forced: reporting_ is false)
  // The loop has nothing left to do but exit, so it may wait here, a bounded moment, for that
  // word to reach the disk; a write that hangs is left behind (report_writer::finish).
  if (!writer_.finish(final_write_bound))
    log_.warn("report-write-abandoned", {{"what", "a status or metrics write did not finish: check that disk"}});
  log_write_errors();
}

void agent::log_write_errors() {
  for (const auto& [path, why] : writer_.take_errors()) {
    if (path == s_.script.state_dir + "/status.json") log_.debug("status-write-failed", {{"error", why}});
    else if (logged_once_.insert("metrics-write-failed"))
      log_.warn("metrics-write-failed", {{"error", why}, {"what", "check --metrics-file's directory"}});
  }
}

void agent::write_report() {
  log_write_errors();
  status_.updated = std::chrono::system_clock::now();
  // The request counts go out with whatever else is written: a poll's own request is no news
  // worth a write at idle, and the last write at exit carries them all.
  if (caller_) status_.aws_calls = caller_->call_counts();
  if (notification_counts_) status_.notifications = notification_counts_();
  // Rendered only when something a reader acts on changed (status_changed()), so written as it
  // is; the poll times in it are as of this change (`hookd status` takes a live hookd from the
  // lock it holds, not from a fresh file: status.hpp, judge).
  auto status = status_json(status_);
  writer_.submit({s_.script.state_dir, "status.json", 0600}, status, status, true);
  if (s_.metrics_file.empty()) return;
  const std::filesystem::path p(s_.metrics_file);
  auto metrics = metrics_text(status_); // no clock in it: unchanged unless a reader would see a change
  writer_.submit({p.parent_path().string(), p.filename().string(), 0644}, metrics, metrics, !reporting_);
}

} // namespace hookd::agent
