// SPDX-License-Identifier: Apache-2.0
// The queue source: long polls, decides each message (disposition), releases other instances'
// messages by the release rule, and hands this instance's actions to the runner.
#include "hookd/agent/agent.hpp"
#include "hookd/agent/imds_source.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

net::awaitable<void> agent::poll_queue() {
  log_.info("polling", {{"queue", sqs_->queue_url()}, {"instance", id_.instance_id}, {"group", id_.group},
                        {"hooks", std::to_string(id_.hooks.size())}});
  while (!stopping_ && !once_done_) {
    // stop() cancels the long poll; the cancellation comes back as an exception_ptr, not a throw.
    auto [cancelled, r] = co_await net::co_spawn(ex_, sqs_->receive(10, s_.wait_seconds, receive_hold_seconds),
                                                 net::bind_cancellation_slot(poll_stop_.slot(), nothrow));
    if (stopping_ || once_done_) break;
    record_poll("queue", cancelled ? "aborted" : r ? "" : r.error().message());
    if (cancelled) {
      log_.warn("receive-aborted", {{"retry_in", format_duration(s_.error_backoff)}});
      co_await sleep(s_.error_backoff);
      continue;
    }
    if (!r) {
      log_.warn("receive-failed", {{"error", r.error().message()}, {"retry_in", format_duration(s_.error_backoff)}});
      co_await sleep(s_.error_backoff);
      continue;
    }
    co_await handle_batch(std::move(*r));
    if (planner_.yield_to_others() && s_.yield_pause.count() > 0 && !stopping_ && !once_done_)
      co_await sleep(jittered(s_.yield_pause, 0.5, 1.5));
  }
}

struct agent::batch_plan {
  std::vector<aws::sqs_batch_entry> deletes, releases;
  std::vector<lifecycle::foreign_sighting> foreign;
  std::vector<std::string> foreign_handles;
  std::vector<received_action> runs;
  bool refresh = false;
};

void agent::decide_message(aws::sqs_message& m, const std::string& entry_id, sys_time now, batch_plan& out) {
  const auto parsed = lifecycle::parse_notification(m.body);
  const auto d = lifecycle::decide(
      parsed, self_, [this](const std::string& t) { return known_token(t); },
      [this](const std::string& h) { return global_timeout(h); }, now, m.sent);
  const auto* a = std::get_if<lifecycle::lifecycle_action>(&parsed);
  switch (d.what) {
  case lifecycle::verdict::run:
    out.runs.push_back({*a, m.message_id, m.receipt_handle, false, 0, std::nullopt});
    running_.insert(journal::file_name(a->token)); // a second copy in this same batch is a duplicate
    // Ours: kept invisible past the receive's short hold, in the same call as the releases.
    out.releases.push_back({entry_id, m.receipt_handle, action_visibility(a->hook)});
    break;
  case lifecycle::verdict::duplicate:
    if (done_.contains(journal::file_name(a->token))) {
      log_.info("duplicate-deleted", {{"message", m.message_id}, {"token", a->token}, {"why", "its action is already finished"}});
      out.deletes.push_back({entry_id, m.receipt_handle, 0});
    } else {
      // Running now: it stays invisible, and goes with the action's own message when that is done.
      log_.info("duplicate-held", {{"message", m.message_id}, {"token", a->token}});
      duplicate_handles_[a->token].push_back(m.receipt_handle);
      out.releases.push_back({entry_id, m.receipt_handle, action_visibility(a->hook)});
    }
    break;
  case lifecycle::verdict::foreign:
  case lifecycle::verdict::no_script: // released like another instance's: some hookd may have the script
    if (d.what == lifecycle::verdict::foreign) log_.debug("foreign-released", {{"message", m.message_id}, {"why", d.why}});
    else if (logged_once_.insert(m.message_id)) log_.warn("no-script", {{"message", m.message_id}, {"token", a->token}, {"why", d.why}});
    out.foreign.push_back({m.message_id, m.receive_count});
    out.foreign_handles.push_back(m.receipt_handle);
    break;
  case lifecycle::verdict::notice:
    queue_notice(m, d.why, entry_id, out);
    break;
  case lifecycle::verdict::unknown_hook:
    if (steady::now() - hooks_read_ < hooks_refresh_interval) {
      // The group's hooks were read moments ago and this one is not among them: put it back
      // for long, like anything hookd cannot act on; a redrive policy moves it on.
      if (logged_once_.insert(m.message_id))
        log_.warn("unknown-hook", {{"message", m.message_id}, {"token", a->token}, {"why", d.why}});
      out.releases.push_back({entry_id, m.receipt_handle, lifecycle::unparseable_visibility_seconds});
    } else {
      out.refresh = true; // perhaps a hook created since start-up: read them again, decide next time
    }
    break;
  case lifecycle::verdict::expired:
  case lifecycle::verdict::test:
    log_.info(d.what == lifecycle::verdict::test ? "test-notification-deleted" : "expired-deleted", {{"message", m.message_id}, {"why", d.why}});
    out.deletes.push_back({entry_id, m.receipt_handle, 0});
    break;
  case lifecycle::verdict::unparseable:
    if (logged_once_.insert(m.message_id))
      log_.error("unparseable-message", {{"message", m.message_id}, {"why", d.why},
                                         {"what", "not deleted; put back for " + std::to_string(lifecycle::unparseable_visibility_seconds) +
                                                      "s (a redrive policy moves it to a dead-letter queue)"}});
    out.releases.push_back({entry_id, m.receipt_handle, lifecycle::unparseable_visibility_seconds});
    break;
  }
}

void agent::queue_notice(const aws::sqs_message& m, const std::string& why, const std::string& entry_id, batch_plan& out) {
  // Anyone who can send to the queue can write this: it only makes hookd look at instance
  // metadata now, which is what acts (or not). The message is ours and done with: deleted.
  log_.info("queue-notice", {{"message", m.message_id}, {"why", why},
                             {"what", imds_source_ ? "checking instance metadata now" : "instance metadata unavailable: logged only"}});
  if (imds_source_) imds_source_->check_notices();
  out.deletes.push_back({entry_id, m.receipt_handle, 0});
}

net::awaitable<void> agent::handle_batch(std::vector<aws::sqs_message> batch) {
  batch_plan p;
  const auto now = std::chrono::system_clock::now() + sqs_->clock_offset(); // AWS's time, not a skewed local clock
  int n = 0;
  for (auto& m : batch) decide_message(m, "m" + std::to_string(n++), now, p);
  const bool was_stepping = planner_.stepping_over();
  const auto plan = planner_.plan(p.foreign, !p.runs.empty() || batch.empty());
  if (planner_.stepping_over() != was_stepping)
    log_.debug(was_stepping ? "stepping-over-ends" : "stepping-over", {{"messages", std::to_string(p.foreign.size())}});
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (plan[i]) p.releases.push_back({"f" + std::to_string(i), p.foreign_handles[i], *plan[i]});

  // The runner starts this instance's action at once; other instances' releases and the deletes
  // go out beside it: the owners do not wait for our script, and our script does not wait for
  // their round trips.
  for (auto& r : p.runs) pending_.push_back(std::move(r));
  start_runner();
  using namespace net::experimental::awaitable_operators;
  co_await (settle(std::move(p.releases), true) && settle(std::move(p.deletes), false));
  if (p.refresh) co_await refresh_hooks();
}

net::awaitable<void> agent::refresh_hooks() {
  hooks_read_ = steady::now();
  auto hooks = co_await asg_.describe_lifecycle_hooks(id_.group);
  if (!hooks) {
    log_.warn("hooks-refresh-failed", {{"group", id_.group}, {"error", hooks.error().message()}});
    co_return;
  }
  id_.hooks.clear();
  self_.group_hooks.clear();
  for (auto& h : *hooks) {
    self_.group_hooks.insert(h.name);
    id_.hooks[h.name] = h;
  }
  log_.info("hooks-refreshed", {{"group", id_.group}, {"hooks", std::to_string(id_.hooks.size())}});
}

net::awaitable<void> agent::settle(std::vector<aws::sqs_batch_entry> entries, bool release) {
  for (std::size_t off = 0; off < entries.size(); off += aws::sqs_max_batch) {
    std::vector<aws::sqs_batch_entry> chunk(entries.begin() + static_cast<long>(off),
                                            entries.begin() + static_cast<long>(std::min(off + aws::sqs_max_batch, entries.size())));
    outcome<aws::sqs_batch_result> r = make_error(errc::protocol_error, "not sent");
    if (release) r = co_await sqs_->change_visibility_batch(chunk); // two statements: GCC 12 and co_await in ?:
    else r = co_await sqs_->delete_batch(chunk);
    if (!r)
      log_.warn(release ? "release-failed" : "delete-failed",
                {{"error", r.error().message()}, {"what", release ? "the messages return after their visibility timeout"
                                                                  : "they come back and are decided again"}});
  }
}

} // namespace hookd::agent
