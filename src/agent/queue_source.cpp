// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/queue_source.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

queue_source::queue_source(net::any_io_executor ex, const options& o, const identity& id, aws::sqs_client& sqs,
                           aws::autoscaling_client& asg, queue_sink& sink, logger& log, first_receive* first)
    : ex_(ex), o_(o), group_(id.group), sqs_(sqs), asg_(asg), sink_(sink), log_(log), first_(first), idle_(ex) {
  self_.instance_id = id.instance_id;
  self_.group = id.group;
  self_.hooks = o.hooks;
  self_.terminate_script = !o.script.on_terminate.empty();
  self_.launch_script = !o.script.on_launch.empty();
  for (const auto& [name, _] : id.hooks) self_.group_hooks.insert(name);
}

void queue_source::stop() {
  stopping_ = true;
  poll_stop_.emit(net::cancellation_type::terminal);
  idle_.cancel();
}

net::awaitable<void> queue_source::sleep(std::chrono::milliseconds d) {
  idle_.expires_after(d);
  co_await idle_.async_wait(nothrow);
}

net::awaitable<void> queue_source::run() {
  log_.info("polling", {{"queue", sqs_.queue_url()}, {"instance", self_.instance_id}, {"group", group_},
                        {"hooks", std::to_string(self_.group_hooks.size())}});
  while (!stopping_) {
    auto polled = co_await receive();
    if (stopping_) break;
    if (!polled) {
      sink_.polled("aborted");
      log_.warn("receive-aborted", {{"retry_in", format_duration(o_.error_backoff)}});
      co_await sleep(o_.error_backoff);
      continue;
    }
    auto& r = *polled;
    sink_.polled(r ? "" : r.error().message());
    if (!r) {
      log_.warn("receive-failed", {{"error", r.error().message()}, {"retry_in", format_duration(o_.error_backoff)}});
      co_await sleep(o_.error_backoff);
      continue;
    }
    co_await handle_batch(std::move(*r));
    if (const auto pause = planner_.pause(o_.yield_pause, sink_.served()); pause.count() > 0 && !stopping_)
      co_await sleep(jittered(pause, 0.5, 1.5));
  }
  if (auto* first = std::exchange(first_, nullptr)) co_await first->close(); // stopped before it was taken
}

net::awaitable<first_receive::batch> queue_source::poll(aws::sqs_client& sqs, int wait_seconds) {
  return sqs.receive(aws::sqs_max_batch, wait_seconds, receive_hold_seconds);
}

net::awaitable<std::optional<first_receive::batch>> queue_source::receive() {
  // stop() cancels the long poll; the cancellation comes back as an exception_ptr, not a throw.
  if (auto* first = std::exchange(first_, nullptr)) {
    auto [cancelled, r] = co_await net::co_spawn(ex_, first->take(), net::bind_cancellation_slot(poll_stop_.slot(), nothrow));
    if (!cancelled && r) co_return std::move(*r);
    if (stopping_) co_return std::nullopt;
  }
  auto [cancelled, r] = co_await net::co_spawn(ex_, poll(sqs_, o_.wait_seconds), net::bind_cancellation_slot(poll_stop_.slot(), nothrow));
  if (cancelled) co_return std::nullopt;
  co_return std::move(r);
}

struct queue_source::batch_plan {
  std::vector<aws::sqs_batch_entry> deletes, releases;
  std::vector<lifecycle::foreign_sighting> foreign;
  std::vector<std::string> foreign_handles;
  bool ours = false;
  bool deferred = false; ///< messages of ours left in the queue: the runner has as many as it holds
  struct waiting_action {
    std::string entry_id;
    const aws::sqs_message* message;
    lifecycle::lifecycle_action action;
  };
  std::vector<waiting_action> waiting; ///< ours, over the runner's bound when decided
  bool refresh = false;
};

void queue_source::decide_message(aws::sqs_message& m, const std::string& entry_id, sys_time now, batch_plan& out) {
  const auto parsed = lifecycle::parse_notification(m.body);
  const auto d = lifecycle::decide(
      parsed, self_, [this](const std::string& t) { return sink_.known_token(t); },
      [this](const std::string& h) { return sink_.global_timeout(h); }, now, m.sent);
  const auto* a = std::get_if<lifecycle::lifecycle_action>(&parsed);
  switch (d.what) {
  case lifecycle::verdict::run:
    if (sink_.room_for_action()) take(m, *a, entry_id, out);
    else out.waiting.push_back({entry_id, &m, *a}); // taken once Auto Scaling's answers make room
    break;
  case lifecycle::verdict::duplicate:
    if (sink_.token_done(a->token)) {
      log_.info("duplicate-deleted", {{"message", m.message_id}, {"token", a->token}, {"why", "its action is already finished"}});
      out.deletes.push_back({entry_id, m.receipt_handle, 0});
    } else {
      // Running now: it stays invisible, and goes with the action's own message when that is done.
      log_.info("duplicate-held", {{"message", m.message_id}, {"token", a->token}});
      sink_.hold_duplicate(a->token, m.receipt_handle);
      out.releases.push_back({entry_id, m.receipt_handle, sink_.action_visibility(a->hook)});
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
    notice(m, d.why, entry_id, out);
    break;
  case lifecycle::verdict::unknown_hook:
    if (m.sent && *m.sent + hooks_read_margin < hooks_read_at_) {
      // The group's hooks were read after SQS took this message in (its own SentTimestamp, which
      // no sender writes), and this one was not among them: put it back for long, like anything
      // hookd cannot act on; a redrive policy moves it on.
      if (logged_once_.insert(m.message_id))
        log_.warn("unknown-hook", {{"message", m.message_id}, {"token", a->token}, {"why", d.why}});
      out.releases.push_back({entry_id, m.receipt_handle, lifecycle::unparseable_visibility_seconds});
    } else {
      // Perhaps a hook created since they were read (at start-up too): read them again, and
      // decide it when it comes back after the receive's short hold.
      out.refresh = true;
      out.releases.push_back({entry_id, m.receipt_handle, receive_hold_seconds});
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

void queue_source::take(const aws::sqs_message& m, const lifecycle::lifecycle_action& a, const std::string& entry_id,
                        batch_plan& out) {
  backlog_full_ = false;
  // Taken now, so a second copy in this same batch is a duplicate. Kept invisible past the
  // receive's short hold, in the same call as the releases.
  out.releases.push_back({entry_id, m.receipt_handle, sink_.action_visibility(a.hook)});
  received_action r{a, m.message_id, m.receipt_handle, false, 0, std::nullopt};
  r.sent = m.sent;
  sink_.take(std::move(r));
  out.ours = true;
}

net::awaitable<void> queue_source::take_waiting(batch_plan& p, steady::time_point until) {
  for (const auto& w : p.waiting) {
    if (!co_await sink_.wait_for_room(until)) {
      defer(*w.message, w.action, p);
    } else if (sink_.known_token(w.action.token)) { // a copy earlier in this batch was taken meanwhile
      sink_.hold_duplicate(w.action.token, w.message->receipt_handle);
      p.releases.push_back({w.entry_id, w.message->receipt_handle, sink_.action_visibility(w.action.hook)});
    } else {
      take(*w.message, w.action, w.entry_id, p);
    }
  }
}

void queue_source::defer(const aws::sqs_message& m, const lifecycle::lifecycle_action& a, batch_plan& out) {
  // Left as received: invisible for the receive's short hold, then back. Not deleted (it may be
  // ours), not released at once (a flood would come straight back to us, or to the fleet).
  out.deferred = true;
  if (!std::exchange(backlog_full_, true))
    log_.warn("backlog-full", {{"waiting", std::to_string(agent::max_pending)},
                               {"what", "that many actions naming this instance await Auto Scaling's word; further "
                                        "messages naming it stay in the queue and come back in " +
                                            std::to_string(receive_hold_seconds) + "s (a flood of forged messages looks like this)"}});
  log_.debug("action-deferred", {{"message", m.message_id}, {"token", a.token}});
}

void queue_source::notice(const aws::sqs_message& m, const std::string& why, const std::string& entry_id, batch_plan& out) {
  // Anyone who can send to the queue can write this: it only makes hookd look at instance
  // metadata now, which is what acts (or not). The message is ours and done with: deleted.
  const bool checked = sink_.check_notices();
  log_.info("queue-notice", {{"message", m.message_id}, {"why", why},
                             {"what", checked ? "checking instance metadata now" : "instance metadata unavailable: logged only"}});
  out.deletes.push_back({entry_id, m.receipt_handle, 0});
}

net::awaitable<void> queue_source::handle_batch(std::vector<aws::sqs_message> batch) {
  batch_plan p;
  const auto now = std::chrono::system_clock::now() + sqs_.clock_offset(); // AWS's time, not a skewed local clock
  const auto take_until = steady::now() + take_wait_bound;
  int n = 0;
  for (auto& m : batch) decide_message(m, "m" + std::to_string(n++), now, p);
  co_await take_waiting(p, take_until);
  const bool was_stepping = planner_.stepping_over();
  // Messages of ours left in the queue are progress too: the sweep goes on to find the rest.
  const auto plan = planner_.plan(p.foreign, p.ours || p.deferred || batch.empty());
  if (planner_.stepping_over() != was_stepping)
    log_.debug(was_stepping ? "stepping-over-ends" : "stepping-over", {{"messages", std::to_string(p.foreign.size())}});
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (plan[i]) p.releases.push_back({"f" + std::to_string(i), p.foreign_handles[i], *plan[i]});

  // The runner has started this instance's action already; other instances' releases and the
  // deletes go out beside it: the owners do not wait for our script, and our script does not
  // wait for their round trips. Only its exec goes first (bounded: a slow confirmation or
  // download does not hold them). Releases, then deletes, one after the other on the receive's
  // connection: side by side, one of them opened a second connection whose handshake ran on the
  // loop as a quick script exited, and held up its completion (seen in make bench's timeline).
  // Releases go first: other instances wait for them; a delete only tidies.
  if (p.ours) co_await sink_.exec_started(exec_first_bound);
  co_await settle(std::move(p.releases), true);
  co_await settle(std::move(p.deletes), false);
  if (p.refresh) co_await refresh_hooks();
}

net::awaitable<void> queue_source::refresh_hooks() {
  // A stream of messages naming hooks nobody made costs one look-up per interval, not one each.
  if (steady::now() - hooks_read_ < hooks_refresh_interval) co_return;
  hooks_read_ = steady::now();
  const auto asked = std::chrono::system_clock::now() + sqs_.clock_offset(); // SQS's clock, as SentTimestamp is
  auto hooks = co_await asg_.describe_lifecycle_hooks(group_);
  if (!hooks) {
    log_.warn("hooks-refresh-failed", {{"group", group_}, {"error", hooks.error().message()}});
    co_return;
  }
  hooks_read_at_ = asked;
  self_.group_hooks.clear();
  for (const auto& h : *hooks) self_.group_hooks.insert(h.name);
  log_.info("hooks-refreshed", {{"group", group_}, {"hooks", std::to_string(hooks->size())}});
  sink_.hooks_read(std::move(*hooks));
}

net::awaitable<void> queue_source::settle(std::vector<aws::sqs_batch_entry> entries, bool release) {
  for (std::size_t off = 0; off < entries.size(); off += aws::sqs_max_batch) {
    std::vector<aws::sqs_batch_entry> chunk(entries.begin() + static_cast<long>(off),
                                            entries.begin() + static_cast<long>(std::min(off + aws::sqs_max_batch, entries.size())));
    outcome<aws::sqs_batch_result> r = make_error(errc::protocol_error, "not sent");
    if (release) r = co_await sqs_.change_visibility_batch(chunk); // two statements: GCC 12 and co_await in ?:
    else r = co_await sqs_.delete_batch(chunk);
    if (!r)
      log_.warn(release ? "release-failed" : "delete-failed",
                {{"error", r.error().message()}, {"what", release ? "the messages return after their visibility timeout"
                                                                  : "they come back and are decided again"}});
  }
}

} // namespace hookd::agent
