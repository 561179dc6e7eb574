// SPDX-License-Identifier: Apache-2.0
// One action of this instance, from confirmation to completion: Auto Scaling's word, the journal,
// the script (fetched, supervised, heartbeated) and the completion, then its messages.
#include "hookd/agent/agent.hpp"
#include "hookd/agent/queue_source.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

net::awaitable<bool> agent::run_action(std::shared_ptr<candidate> c) {
  using namespace net::experimental::awaitable_operators;
  auto& r = c->r;
  const auto& a = r.action;
  const auto start = steady::now();
  c->held = true;
  action_running_ = true;
  auto sum = action_summary::of(a);
  status_.running = running_status{a.token, sum.transition, a.hook, a.trigger, std::chrono::system_clock::now(), std::nullopt,
                                   "confirm", std::chrono::system_clock::now()};
  status_changed(); // reported with the rest of the action's burst, report_settle later
  log_.info("action-start", {{"transition", sum.transition}, {"instance", a.instance_id}, {"hook", a.hook},
                             {"token", a.token}, {"shape", a.shape}, {"trigger", a.trigger}});
  tell(about(event_kind::action_received, a));
  const auto global = global_deadline(a);
  // Nothing serial before the exec but what it needs: the journal entry (durable before the
  // script runs), the script itself and Auto Scaling's word, all three at once.
  // A named entry, not a braced temporary inside co_await: GCC 12 destroys such temporaries twice.
  journal_entry entry{a, r.message_id, r.receipt_handle, std::chrono::system_clock::now()};
  entry.resumes = r.resumes;
  std::string why;
  auto [w, path, decided] =
      co_await (journal_.write(entry) && leg_script(r.action, why) && wait_decided(*c, true));
  if (!w) log_.error("journal-write-failed", {{"error", w.error().message()}, {"what", "going on without it: a crash now would not resume this action"}});
  if (!decided) {
    // Another action was confirmed first: it goes ahead. This one stays pending while its
    // confirmation goes on; its journal entry stands, so a restart takes it up and asks again.
    if (path) discard_script(*path, s_.script);
    c->held = false;
    action_running_ = false;
    status_.running.reset();
    status_changed();
    co_return false;
  }
  forget(*c);
  const auto confirmed = *c->verdict;
  sum.heartbeats += c->heartbeats;
  if (confirmed == confirmation::confirmed) tell(about(event_kind::action_confirmed, a));
  if (confirmed != confirmation::confirmed || !path || stopping_) open_exec_gate(); // no exec is coming
  if (confirmed == confirmation::confirmed && hand_off(c, path)) co_return true;
  unsigned serial = 0;
  if (confirmed == confirmation::confirmed) {
    if (!a.notice) { // a notice is no run of its transition
      const auto hooks = hook_names(a.hook);
      runs_[a.transition] = {false, "", a.by_instance(), a.target, {hooks.begin(), hooks.end()}, 1, serial = ++run_serial_};
    }
    co_await run_confirmed(r, path, why, global, sum);
    open_exec_gate(); // the spawn failed, if it was not opened yet
    if (!a.notice) end_run(a, sum.result);
  } else {
    if (path) discard_script(*path, s_.script);
    co_await drop_action(r, confirmed == confirmation::refused);
  }
  action_running_ = false;
  status_.running.reset();
  status_changed();
  grace_timer_.reset();
  tell_phase(event_kind::idle);
  // The completion goes on beside the runner: a slow or throttled completion never holds up the
  // next action (its token stays in running_ until then, so a copy of its message is held).
  if (confirmed == confirmation::confirmed)
    start_background(finish_action(std::move(r), std::move(sum), global, start, serial), "completion");
  co_return true;
}

bool agent::hand_off(std::shared_ptr<candidate>& c, const std::optional<std::string>& path) {
  const auto& a = c->r.action;
  if (stopping_) {
    // Stopped before the script started: it is not started now. The journal entry and the
    // message stay, and the next hookd takes the action up.
    log_.warn("action-not-started", {{"token", a.token}, {"what", "hookd is stopping; the next hookd takes it up"}});
    running_.erase(journal::name_of(a));
    grace_timer_.reset();
  } else if (choice(a) != run_choice::attach) {
    return false;
  }
  // Confirmed, and its transition's run takes it after all (the guess was made before the verdict).
  if (path) discard_script(*path, s_.script);
  open_exec_gate(); // no exec is coming
  action_running_ = false;
  status_.running.reset();
  status_changed();
  if (!stopping_) start_attached(std::move(c));
  return true;
}

steady::time_point agent::global_deadline(const lifecycle::lifecycle_action& a) const {
  const auto age = a.time ? std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *a.time)
                          : std::chrono::seconds(0);
  return steady::now() + global_timeout(a.hook) - age;
}

net::awaitable<void> agent::finish_action(received_action r, action_summary sum, steady::time_point global, steady::time_point start,
                                          unsigned serial) {
  co_await complete(r.action, sum.result, global, sum);
  // Completed: a live action of the run's hooks seen from now on is a new one, not this again.
  if (auto it = runs_.find(r.action.transition); serial && it != runs_.end() && it->second.serial == serial) --it->second.completing;
  co_await settle_action(r, sum);
  running_.erase(journal::name_of(r.action));
  sum.total = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  log_done(sum);
}

void agent::log_done(action_summary& sum) {
  const std::string completed = sum.completed ? "yes" : (sum.already_over ? "already-over" : "no");
  log_.info("action-done", {{"transition", sum.transition}, {"instance", sum.instance_id}, {"hook", sum.hook},
                            {"result", sum.result}, {"script", sum.outcome}, {"script_duration", format_duration(sum.script_duration)},
                            {"heartbeats", std::to_string(sum.heartbeats)}, {"total", format_duration(sum.total)},
                            {"completed", completed},
                            {"message_deleted", sum.deleted ? "yes" : sum.by_instance ? "none" : "no"}});
  status_.record_action({sum.token, sum.transition, sum.hook, sum.trigger, sum.result, completed, std::chrono::system_clock::now(),
                         sum.script_duration, sum.script_started},
                        static_cast<std::uint64_t>(sum.heartbeats));
  status_changed();
  tell(about(event_kind::action_completed, sum));
  finished_.push_back(std::move(sum));
  if (finished_.size() > token_memory) finished_.pop_front();
}

net::awaitable<void> agent::keep_alive(const lifecycle::lifecycle_action& a, std::string handle, bool extend_first,
                                       std::chrono::milliseconds interval, steady::time_point global_deadline,
                                       int& heartbeats) {
  // Runs beside the script until `||` cancels it, and then returns rather than throws: in a static
  // binary the first exception makes libgcc sort every FDE of the executable (about 4 ms), which
  // would sit between the script's exit and CompleteLifecycleAction.
  co_await net::this_coro::throw_if_cancelled(false);
  const auto cancel = co_await net::this_coro::cancellation_state;
  const auto stopped = [&cancel] { return cancel.cancelled() != net::cancellation_type::none; };
  const int visibility = action_visibility(a.hook);
  // Heartbeats are spread, not aligned: each one comes 85-100% of the interval after the last.
  const auto spread = [interval] { return jittered(interval, 0.85, 1.0); };
  bool gone = false, warned = false;
  auto extend = [&] { return extend_visibility(handle, visibility); };
  if (extend_first) co_await extend();
  net::steady_timer t(ex_);
  auto next = steady::now() + spread();
  while (!stopped()) {
    if (status_.running && status_.running->token == a.token) {
      status_.running->next_heartbeat = std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::milliseconds>(next - steady::now());
      status_changed();
    }
    t.expires_at(next);
    if (auto [ec] = co_await t.async_wait(nothrow); ec || stopped()) co_return;
    next += spread();
    if (gone) continue;
    if (steady::now() + interval >= global_deadline) {
      if (!std::exchange(warned, true))
        log_.warn("global-timeout-near", {{"token", a.token},
                                          {"time_left", format_duration(std::chrono::duration_cast<std::chrono::seconds>(global_deadline - steady::now()))},
                                          {"what", "heartbeats cannot extend the action past the hook's global timeout"}});
      continue;
    }
    // A failed heartbeat is retried within the interval, not skipped.
    if (a.by_instance()) {
      heartbeats += co_await heartbeat_by_instance(a);
      continue;
    }
    for (;;) {
      auto r = co_await asg_.record_heartbeat(a.group, a.hook, a.token, a.instance_id);
      if (stopped()) co_return; // the script ended while the heartbeat was in flight
      if (r) {
        ++heartbeats;
        log_.debug("heartbeat", {{"token", a.token}, {"count", std::to_string(heartbeats)}});
        break;
      }
      if (aws::is_no_active_action(r.error())) {
        gone = true;
        log_.warn("action-gone", {{"token", a.token}, {"what", "Auto Scaling no longer has this action; heartbeats stop, the script goes on"}});
        break;
      }
      log_.warn("heartbeat-failed", {{"token", a.token}, {"error", r.error().message()}});
      if (steady::now() + interval / 4 >= next) break;
      t.expires_after(interval / 4);
      if (auto [ec] = co_await t.async_wait(nothrow); ec || stopped()) co_return;
    }
    if (!gone) co_await extend();
  }
}

net::awaitable<void> agent::extend_visibility(const std::string& handle, int seconds) {
  if (!sqs_ || handle.empty()) co_return; // an action from instance metadata has no message
  auto v = co_await sqs_->change_visibility(handle, seconds);
  if (!v) log_.debug("visibility-extend-failed", {{"error", v.error().message()}});
}

net::awaitable<void> agent::complete(const lifecycle::lifecycle_action& a, const std::string& result,
                                     steady::time_point global_deadline, action_summary& sum) {
  if (a.by_instance()) co_return co_await complete_by_instance(a, result, global_deadline, sum);
  auto backoff = std::max<std::chrono::milliseconds>(s_.error_backoff / 5, 100ms);
  for (int round = 1, failures = 0;; ++round) {
    auto r = co_await asg_.complete_action(a.group, a.hook, result, a.token, a.instance_id);
    if (r) {
      sum.completed = true;
      co_return;
    }
    if (aws::is_no_active_action(r.error())) {
      sum.already_over = true;
      log_.warn("action-already-over", {{"token", a.token}, {"what", "Auto Scaling had already ended it (timeout or another completion)"}});
      co_return;
    }
    const bool permanent = aws::is_permanent(r.error());
    log_.error("complete-failed", {{"token", a.token}, {"round", std::to_string(round)}, {"error", r.error().message()},
                                   {"what", permanent ? "AWS refused the request itself: not retried" : "retrying"}});
    if (permanent) co_return;
    // Throttling and access refusals (a policy change takes minutes to spread) use up no rounds:
    // under a fleet's throttling a completion keeps its turn until the action's own deadline, and
    // heartbeats (which retry less) give way to it.
    if (!aws::retries_until_deadline(r.error()) && ++failures >= complete_rounds) co_return;
    if (steady::now() + backoff >= global_deadline) co_return;
    net::steady_timer t(ex_, jittered(backoff, 0.5, 1.0));
    co_await t.async_wait(nothrow);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
  }
}

net::awaitable<void> agent::mark_done(const lifecycle::lifecycle_action& a) {
  // Done first: a copy the poll loop receives while we await below is deleted as finished,
  // rather than held as a duplicate after its handles were taken.
  const auto key = lifecycle::action_key(a);
  done_.insert(journal::file_name(key));
  auto held = std::move(duplicate_handles_[key]);
  duplicate_handles_.erase(key);
  if (sqs_)
    for (const auto& extra : held) co_await sqs_->delete_message(extra);
  auto f = co_await journal_.finish(key);
  if (!f) log_.error("journal-finish-failed", {{"error", f.error().message()}});
}

net::awaitable<void> agent::drop_action(const received_action& r, bool refused) {
  const auto& a = r.action;
  if (refused) {
    // It names us, and Auto Scaling says there is no such action of ours: nobody can act on it.
    if (sqs_ && !r.receipt_handle.empty()) co_await sqs_->delete_message(r.receipt_handle);
    co_await mark_done(a);
    running_.erase(journal::name_of(a));
    tell(about(event_kind::failure, a, "Auto Scaling has no such action of this instance (a stale or forged message): not run"));
    co_return;
  }
  // Unknown (Auto Scaling unreachable): back soon, and decided afresh, by a restarted hookd too.
  // So no "done" marker: one made a restart delete this action's message as finished.
  auto f = co_await journal_.withdraw(lifecycle::action_key(a));
  if (!f) log_.error("journal-withdraw-failed", {{"error", f.error().message()}});
  if (sqs_ && !r.receipt_handle.empty()) co_await sqs_->change_visibility(r.receipt_handle, queue_source::receive_hold_seconds);
  duplicate_handles_.erase(lifecycle::action_key(a));
  running_.erase(journal::name_of(a)); // else a copy of its message would be held as a duplicate for ever
}

net::awaitable<void> agent::settle_action(const received_action& r, action_summary& sum) {
  const auto& a = r.action;
  if ((sum.completed || sum.already_over) && (!sqs_ || r.receipt_handle.empty())) {
    co_await mark_done(a); // from instance metadata: no message to delete
  } else if (sum.completed || sum.already_over) {
    auto d = co_await sqs_->delete_message(r.receipt_handle);
    sum.deleted = bool(d);
    if (!d) log_.warn("delete-failed", {{"message", r.message_id}, {"error", d.error().message()},
                                        {"what", "it will come back and be recognised as finished"}});
    co_await mark_done(a);
  } else {
    // Not completed: the message is kept (Auto Scaling will time the action out with its default
    // result); hookd does not run the script again for this token while it lives.
    attempted_.insert(journal::name_of(a));
    duplicate_handles_.erase(lifecycle::action_key(a));
    log_.error("action-not-completed", {{"token", a.token}, {"what", "message kept; the hook's DefaultResult applies at its timeout"}});
    tell(about(event_kind::failure, a, "not completed: the hook's DefaultResult applies at its timeout; see hookd's log"));
  }
}

net::awaitable<int> agent::heartbeat_by_instance(const lifecycle::lifecycle_action& a) {
  // Before the wait state begins (load balancer draining) Auto Scaling has no action to beat:
  // that is expected, and the next beat tries again.
  int beats = 0;
  for (const auto& hook : hook_names(a.hook)) {
    auto r = co_await asg_.record_heartbeat(a.group, hook, "", a.instance_id);
    if (r) ++beats;
    else if (aws::is_no_active_action(r.error())) log_.debug("heartbeat-not-active-yet", {{"hook", hook}});
    else log_.warn("heartbeat-failed", {{"hook", hook}, {"instance", a.instance_id}, {"error", r.error().message()}});
  }
  co_return beats;
}

net::awaitable<bool> agent::instance_still_waiting(const lifecycle::lifecycle_action& a) {
  auto inst = co_await asg_.describe_instance(a.instance_id);
  if (!inst) {
    log_.warn("describe-instance-failed", {{"instance", a.instance_id}, {"error", inst.error().message()}});
    co_return true; // unknown: keep trying rather than give up on a live action
  }
  co_return *inst && still_in_transition((*inst)->lifecycle_state, a.transition, a.target);
}

net::awaitable<void> agent::complete_by_instance(const lifecycle::lifecycle_action& a, const std::string& result,
                                                 steady::time_point global_deadline, action_summary& sum) {
  // Instance metadata says "Terminated" before the action exists (the load balancer drains
  // first), and Auto Scaling can answer "No active Lifecycle Action" for a while after the wait
  // state begins: retry until it is taken, or the group shows the instance past the wait.
  bool all = true;
  int taken = 0;
  for (const auto& hook : hook_names(a.hook)) {
    auto backoff = std::max<std::chrono::milliseconds>(s_.error_backoff / 5, 100ms);
    for (int failures = 0;;) {
      auto r = co_await asg_.complete_action(a.group, hook, result, "", a.instance_id);
      if (r) {
        ++taken;
        break;
      }
      const bool inactive = aws::is_no_active_action(r.error());
      if (inactive && !co_await instance_still_waiting(a)) {
        log_.info("action-already-over", {{"hook", hook}, {"instance", a.instance_id}, {"what", "the instance has left the wait state"}});
        break;
      }
      if (!inactive) log_.error("complete-failed", {{"hook", hook}, {"error", r.error().message()}});
      if ((!inactive && aws::is_permanent(r.error())) || (!inactive && !aws::retries_until_deadline(r.error()) && ++failures >= complete_rounds) ||
          steady::now() + backoff >= global_deadline || stop_requests_ > 1) {
        all = false;
        break;
      }
      net::steady_timer t(ex_, jittered(backoff, 0.5, 1.0));
      co_await t.async_wait(nothrow);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5s);
    }
  }
  // Every hook taken or over: the action is done (with no hook at all, a Spot run, nothing waited).
  sum.completed = all && taken > 0;
  sum.already_over = all && taken == 0;
}

} // namespace hookd::agent
