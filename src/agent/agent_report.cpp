// SPDX-License-Identifier: Apache-2.0
// What the agent shows outside: STATE/status.json for `hookd status`, and --metrics-file for
// node_exporter, written every status_interval and at once when a source starts or stops working.
#include "hookd/agent/agent.hpp"
#include "hookd/agent/queue_source.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/atomic_file.hpp"

#include <filesystem>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

void agent::record_poll(const std::string& source, const std::string& error) {
  auto& st = status_.source(source);
  // First poll, first success, or a flip between working and failing: worth writing at once.
  const bool changed = !st.last_poll || (error.empty() && !st.last_ok) || st.last_error.empty() != error.empty();
  st.last_poll = std::chrono::system_clock::now();
  st.last_error = error;
  if (error.empty()) st.last_ok = st.last_poll;
  if (changed) status_changed();
}

net::awaitable<void> agent::report_loop() {
  while (reporting_) {
    // A status write (open, write, rename: system calls, dear on some virtual machines) waits for
    // an exec that is coming, a moment at most: a receive's first-poll report would otherwise
    // sit between the notification and the script.
    const auto hold_until = steady::now() + queue_source::exec_first_bound;
    while (exec_awaited_ && reporting_ && steady::now() < hold_until) {
      report_timer_.expires_at(hold_until);
      co_await report_timer_.async_wait(nothrow);
    }
    write_report();
    report_timer_.expires_after(status_interval);
    co_await report_timer_.async_wait(nothrow);
  }
  write_report(); // the final word: nothing running
}

void agent::write_report() {
  status_.updated = std::chrono::system_clock::now();
  if (caller_) status_.aws_calls = caller_->call_counts();
  // Not fsynced: both are rewritten every few seconds, and a reader only needs them whole.
  if (auto w = write_file_atomic(s_.script.state_dir, "status.json", status_json(status_), 0600, false); !w)
    log_.debug("status-write-failed", {{"error", w.error().message()}});
  if (s_.metrics_file.empty()) return;
  const std::filesystem::path p(s_.metrics_file);
  if (auto w = write_file_atomic(p.parent_path().string(), p.filename().string(), metrics_text(status_), 0644, false); !w &&
      logged_once_.insert("metrics-write-failed"))
    log_.warn("metrics-write-failed", {{"error", w.error().message()}, {"what", "check --metrics-file's directory"}});
}

} // namespace hookd::agent
