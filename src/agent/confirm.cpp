// SPDX-License-Identifier: Apache-2.0
// Auto Scaling's word on each action of this instance before its script may run, asked for every
// action from the moment it is taken, beside the others: a forged message is refused only after
// the confirm window, and the windows of many must not be served in turn ahead of a real action.
// A few calls go at once, and at most max_pending actions wait in memory: a flood of messages
// naming us stays in SQS, and a stop abandons what waits (issue 24).
#include "hookd/agent/agent.hpp"
#include "hookd/agent/confirm_policy.hpp"
#include "hookd/agent/queue_source.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
// Between tries of "no active action" (the action may activate in a moment): short, within the
// confirm window. Between tries of anything else: up to 10 s, so a long 403 outage costs a call
// per action every few seconds, and a 30 s heartbeat timeout still sees a few tries.
constexpr std::chrono::milliseconds first_pause = 250ms, window_pause_cap = 2s, outage_pause_cap = 10s;
// The message is extended this long before its visibility would lapse while we retry.
constexpr std::chrono::seconds extend_margin{3};
} // namespace

void agent::enqueue(received_action r) {
  running_.insert(journal::name_of(r.action));
  auto c = std::make_shared<candidate>();
  c->r = std::move(r);
  pending_.push_back(c);
  start_background(confirm_candidate(std::move(c)), "confirmation");
  start_runner();
  note_backlog();
}

net::awaitable<void> agent::confirm_candidate(std::shared_ptr<candidate> c) {
  const auto verdict = co_await confirm(*c);
  if (c->withdrawn) co_return; // put back by whoever withdrew it
  c->verdict = verdict;
  decided_.notify_all();
  if (c->held) co_return; // the runner, or attach(), acts on it
  if (verdict != confirmation::confirmed) {
    forget(*c);
    co_await drop_action(c->r, verdict == confirmation::refused);
  } else if (stopping_ || once_done_) {
    // Not started: it stays invisible for a while and comes back to this (or the next) hookd.
    forget(*c);
    running_.erase(journal::name_of(c->r.action));
  } else {
    start_runner(); // a runner that ended meanwhile
  }
}

std::shared_ptr<agent::candidate> agent::next_candidate() const {
  for (const auto& c : pending_)
    if (c->verdict == confirmation::confirmed) return c;
  return pending_.empty() ? nullptr : pending_.front();
}

net::awaitable<bool> agent::wait_decided(candidate& c, bool give_way) {
  if (give_way) c.prepared = true; // run_action writes its journal entry meanwhile
  const auto other_confirmed = [&] {
    return std::any_of(pending_.begin(), pending_.end(),
                       [&](const auto& p) { return p.get() != &c && p->verdict == confirmation::confirmed; });
  };
  while (!c.verdict && !(give_way && other_confirmed())) co_await decided_.wait();
  co_return c.verdict.has_value();
}

void agent::forget(const candidate& c) {
  std::erase_if(pending_, [&](const auto& p) { return p.get() == &c; });
  decided_.notify_all(); // room for one more (wait_for_room)
}

bool agent::room_for_action() {
  if (pending_.size() < max_pending) return true;
  // Full. The oldest Auto Scaling has said "no active action" of makes room: a real action is
  // confirmed by its first call, so the newcomer's first call (ahead of every retry) matters
  // more. Not one retrying on AccessDenied or a 5xx: in such an outage every message naming us
  // would cycle through and cost a call each; the 32 held retry slowly, the rest wait in SQS. A
  // journal entry's action is never put back: its message's receipt may be stale.
  const auto it = std::find_if(pending_.begin(), pending_.end(), [](const auto& p) {
    return !p->held && !p->verdict && p->answered_over && !p->r.resumed;
  });
  if (it == pending_.end()) return false;
  auto c = *it;
  withdraw(*c);
  log_.debug("confirmation-put-back", {{"token", c->r.action.token}, {"what", "room for a newer message; it comes back in seconds"}});
  // Put back together with the others a batch makes room for: one call per ten, not one each.
  evicted_.push_back(std::move(c));
  if (evicted_.size() == 1) start_background(put_back_evicted(), "put back");
  return true;
}

net::awaitable<void> agent::put_back_evicted() {
  co_await net::post(ex_, net::use_awaitable); // the rest of this batch's evictions first
  co_await put_back(std::exchange(evicted_, {}), true);
}

net::awaitable<bool> agent::wait_for_room(steady::time_point until) {
  while (!room_for_action()) {
    if (stopping_ || once_done_ || steady::now() >= until) co_return false;
    co_await decided_.wait(until); // an answer came in: a candidate may have made room
  }
  co_return true;
}

void agent::withdraw(candidate& c) {
  c.withdrawn = true;
  forget(c);
  if (c.pause) c.pause->cancel();
  if (c.leave_line) c.leave_line->emit(net::cancellation_type::terminal);
}

int agent::put_back_seconds(const candidate& c, bool stopping) {
  // On stop, back after the short hold whatever Auto Scaling said: the next hookd decides afresh.
  return hookd::agent::put_back_seconds(!stopping && c.answered_over, c.window_end, steady::now(), s_.confirm_window,
                                        queue_source::receive_hold_seconds);
}

void agent::abandon_confirmations() {
  for (auto* t : confirm_pauses_) t->cancel();
  std::vector<std::shared_ptr<candidate>> out;
  for (const auto& c : std::vector(pending_.begin(), pending_.end()))
    if (!c->held) {
      withdraw(*c);
      out.push_back(c);
    }
  // Those waiting for a turn pass it on without a call when it comes, so the line empties at once.
  // The runner's own candidate (held) makes its call: a confirmed journal entry then stays for the
  // next hookd, as the runner does not start it. The journal entries stay: a restart asks again.
  if (!out.empty()) start_background(put_back(std::move(out), false), "put back");
}

net::awaitable<void> agent::put_back(std::vector<std::shared_ptr<candidate>> cs, bool withdraw_journal) {
  std::vector<aws::sqs_batch_entry> entries;
  for (const auto& c : cs) {
    const auto& a = c->r.action;
    if (withdraw_journal && c->prepared)
      if (auto f = co_await journal_.withdraw(lifecycle::action_key(a)); !f) log_.error("journal-withdraw-failed", {{"error", f.error().message()}});
    if (!c->r.receipt_handle.empty())
      entries.push_back({"p" + std::to_string(entries.size()), c->r.receipt_handle, put_back_seconds(*c, stopping_)});
    duplicate_handles_.erase(lifecycle::action_key(a));
    running_.erase(journal::name_of(a));
  }
  if (!sqs_) co_return;
  for (std::size_t off = 0; off < entries.size(); off += aws::sqs_max_batch) {
    const auto end = std::min(off + aws::sqs_max_batch, entries.size());
    std::vector<aws::sqs_batch_entry> chunk(entries.begin() + static_cast<long>(off), entries.begin() + static_cast<long>(end));
    auto r = co_await sqs_->change_visibility_batch(chunk);
    if (!r) log_.warn("put-back-failed", {{"error", r.error().message()}, {"what", "the messages return when their visibility lapses"}});
  }
}

net::awaitable<std::optional<outcome<void>>> agent::confirm_call(candidate& c, bool first) {
  const auto& a = c.r.action;
  // A withdrawn candidate leaves the line at once (withdraw() emits this). Under a flood, first
  // attempts keep coming ahead of its retry: it would wait there, frame and all, for ever (a make
  // test run held 957 such at a stop, which then waited for them to drain).
  net::cancellation_signal leave;
  struct registered {
    candidate& c;
    ~registered() { c.leave_line = nullptr; }
  } reg{c};
  c.leave_line = &leave;
  auto [e, turn] = co_await net::co_spawn(ex_, confirm_turns_.take(first), net::bind_cancellation_slot(leave.slot(), nothrow));
  c.leave_line = nullptr;
  if (e || !turn || c.withdrawn) co_return std::nullopt; // put back while it waited: no call
  auto r = co_await asg_.record_heartbeat(a.group, a.hook, a.token, a.instance_id);
  co_return std::optional<outcome<void>>(std::move(r));
}

net::awaitable<agent::confirmation> agent::confirm(candidate& c) {
  const auto& a = c.r.action;
  if (a.by_instance()) {
    // Instance metadata is the instance's own word: nothing to forge. Taken up from the journal,
    // a run for the target state runs again only while the group still shows the instance in
    // that transition; a notice's run (Spot, maintenance) while the instance lives, since the
    // group knows nothing of the notice (the journal's resume limit bounds it).
    if (!c.r.resumed || a.trigger != "imds") co_return confirmation::confirmed;
    if (co_await instance_still_waiting(a)) co_return confirmation::confirmed;
    log_.info("journal-action-over", {{"token", a.token}, {"what", "the transition ended while hookd was down; cleaning up"}});
    co_return confirmation::refused;
  }
  // A heartbeat with the token *and* our instance id: Auto Scaling answers it only for a live
  // action of this instance, so a forged, stale or stolen token never runs the script.
  const auto now = steady::now();
  const auto aws_now = std::chrono::system_clock::now() + (sqs_ ? sqs_->clock_offset() : 0s);
  const auto d = confirm_deadlines_for(now, aws_now, c.r.sent, a.time, c.r.resumed, s_.confirm_window,
                                       std::chrono::seconds(heartbeat_timeout(a.hook)), global_deadline(a));
  c.window_end = d.window_end;
  // The batch that took it made its message invisible this long; a journal entry's was not.
  auto hidden_until = c.r.resumed ? now : now + std::chrono::seconds(action_visibility(a.hook));
  auto pause = first_pause;
  for (bool first = true;; first = false) {
    auto r = co_await confirm_call(c, first);
    if (!r || c.withdrawn) co_return confirmation::unknown; // its message comes back
    if (*r) {
      ++c.heartbeats;
      co_return confirmation::confirmed; // when stopping, the runner does not start it
    }
    if (stopping_) co_return confirmation::unknown; // its message comes back to the next hookd
    const auto& e = r->error();
    c.answered_over = aws::is_no_active_action(e);
    if (c.answered_over) decided_.notify_all(); // it can now make room for a newcomer (wait_for_room)
    const auto step = after_failure(e, steady::now(), d);
    if (step != confirm_step::retry) co_return concluded(c, e, step);
    if (!aws::is_about_action(e)) report_outage(c, e);
    co_await pause_confirm(c, jittered(pause, 0.5, 1.0), hidden_until);
    if (c.withdrawn || stopping_) co_return confirmation::unknown;
    pause = std::min<std::chrono::milliseconds>(pause * 2, aws::is_about_action(e) ? window_pause_cap : outage_pause_cap);
  }
}

agent::confirmation agent::concluded(const candidate& c, const error& e, confirm_step step) {
  const auto& a = c.r.action;
  if (step == confirm_step::give_up) {
    if (logged_once_.insert("confirm-failed:" + journal::name_of(a)))
      log_.error("confirm-failed", {{"token", a.token}, {"hook", a.hook}, {"error", e.message()},
                                    {"what", "no answer about the action within its heartbeat timeout; its message comes back "
                                             "and is tried again (deleted only once Auto Scaling says the action is over)"}});
    return confirmation::unknown;
  }
  if (c.r.resumed)
    log_.info("journal-action-over", {{"token", a.token}, {"hook", a.hook},
                                      {"what", "the action ended while hookd was down; cleaning up"}});
  else
    log_.warn("action-unconfirmed", {{"token", a.token}, {"hook", a.hook}, {"error", e.message()},
                                     {"what", "Auto Scaling has no such action for this instance: the message is "
                                              "stale or forged; deleted, the script not run"}});
  return confirmation::refused;
}

void agent::report_outage(const candidate& c, const error& e) {
  // Once per action, not per try: a long outage must not fill the log.
  const auto& a = c.r.action;
  if (!logged_once_.insert("confirm-retrying:" + journal::name_of(a))) return;
  const std::string fix =
      aws::is_access_denied(e)
          ? "hookd's credentials may not call autoscaling:RecordLifecycleActionHeartbeat on group " + a.group +
                ": allow it in the instance role's policy (a policy being changed or credentials rotating also cause this for a while)"
          : "Auto Scaling cannot be asked now";
  log_.error("confirm-retrying", {{"token", a.token}, {"hook", a.hook}, {"error", e.message()},
                                  {"what", fix + "; retrying until the action's heartbeat timeout, its message kept hidden, "
                                                 "the script not run yet"}});
}

net::awaitable<void> agent::pause_confirm(candidate& c, std::chrono::milliseconds d, steady::time_point& hidden_until) {
  // The message stays hidden while we retry, so no other hookd (or this one) takes it meanwhile.
  if (!c.r.receipt_handle.empty() && steady::now() + d + extend_margin >= hidden_until) {
    const int secs = action_visibility(c.r.action.hook);
    co_await extend_visibility(c.r.receipt_handle, secs);
    hidden_until = steady::now() + std::chrono::seconds(secs);
  }
  net::steady_timer t(ex_, d);
  // withdraw() and abandon_confirmations() cut it short; a frame destroyed mid-wait leaves no pointer.
  struct registered {
    agent& self;
    candidate& c;
    net::steady_timer* t;
    ~registered() {
      c.pause = nullptr;
      self.confirm_pauses_.erase(t);
    }
  } reg{*this, c, &t};
  c.pause = &t;
  confirm_pauses_.insert(&t);
  co_await t.async_wait(nothrow);
}

} // namespace hookd::agent
