// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/agent.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"
#include "hookd/core/private_dir.hpp"
#include "hookd/crypto/digest.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/stat.h>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {
// How long a received message stays invisible before hookd decides about it. It is also the
// longest any other instance's message is ever held by this one (release_planner): short, so a
// fleet's messages reach their owners in seconds, and long enough for one agent to sweep a
// same-order queue of thousands. Our own messages are extended at once, beside the action.
constexpr int receive_hold_seconds = 6;
// Auto Scaling's own cap on an action's life (48 h), for hooks we could not describe.
constexpr std::chrono::seconds default_global_timeout{172800};
// CompleteLifecycleAction is retried (beyond the caller's own retries) for this long: it is the
// one call whose loss would leave the instance waiting for the hook's timeout.
constexpr int complete_rounds = 10;

std::string ms_text(std::chrono::milliseconds d) { return format_duration(d); }

} // namespace

agent::agent(net::any_io_executor ex, config::settings s, identity id, aws::sqs_client& sqs, aws::autoscaling_client& asg,
             aws::s3_client& s3, journal& j, logger& log, env_lookup env)
    : ex_(ex), s_(std::move(s)), id_(std::move(id)), sqs_(sqs), asg_(asg), s3_(s3), journal_(j), log_(log),
      env_(std::move(env)), planner_(receive_hold_seconds), idle_(ex), runner_idle_(ex) {
  self_.instance_id = id_.instance_id;
  self_.group = id_.group;
  self_.hooks = s_.hooks;
  self_.terminate_script = !s_.on_terminate.empty();
  self_.launch_script = !s_.on_launch.empty();
  for (const auto& [name, _] : id_.hooks) self_.group_hooks.insert(name);
  for (const auto& t : journal_.done_tokens()) done_.insert(t);
}

bool agent::known_token(const std::string& token) const {
  const auto key = journal::file_name(token);
  return running_.count(key) || done_.contains(key) || attempted_.contains(key);
}

std::chrono::seconds agent::global_timeout(const std::string& hook) const {
  auto it = id_.hooks.find(hook);
  if (it == id_.hooks.end() || it->second.global_timeout <= 0) return default_global_timeout;
  return std::chrono::seconds(it->second.global_timeout);
}

int agent::heartbeat_timeout(const std::string& hook) const {
  auto it = id_.hooks.find(hook);
  return it == id_.hooks.end() ? 3600 : it->second.heartbeat_timeout;
}

std::chrono::milliseconds agent::heartbeat_interval(const std::string& hook) const {
  return s_.heartbeat_interval.value_or(std::chrono::milliseconds(std::max(heartbeat_timeout(hook), 3) * 1000 / 3));
}

int agent::action_visibility(const std::string& hook) const {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(heartbeat_interval(hook)).count() * 2 + 30;
  return static_cast<int>(std::min<long long>(secs, aws::sqs_max_visibility_seconds));
}

net::awaitable<void> agent::sleep(std::chrono::milliseconds d) {
  idle_.expires_after(d);
  co_await idle_.async_wait(nothrow);
}

void agent::stop() {
  ++stop_requests_;
  if (stop_requests_ == 1) {
    stopping_ = true;
    log_.info("stopping", {{"action_running", action_running_ ? "yes" : "no"},
                           {"grace", ms_text(s_.shutdown_grace)}});
    poll_stop_.emit(net::cancellation_type::terminal);
    idle_.cancel();
    if (action_running_) {
      grace_timer_.emplace(ex_, s_.shutdown_grace);
      grace_timer_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        log_.warn("shutdown-grace-over", {{"what", "stopping the script; the action completes with the failure result"}});
        script_stop_.emit(net::cancellation_type::total);
      });
    }
  } else {
    log_.warn("stopping-now", {{"what", "second stop request: the script is stopped at once"}});
    script_stop_.emit(net::cancellation_type::total);
  }
}

net::awaitable<int> agent::run() {
  co_await resume_journal();
  log_.info("polling", {{"queue", sqs_.queue_url()}, {"instance", id_.instance_id}, {"group", id_.group},
                        {"hooks", std::to_string(id_.hooks.size())}});
  while (!stopping_) {
    // stop() cancels the long poll; the cancellation comes back as an exception_ptr, not a throw.
    auto [cancelled, r] = co_await net::co_spawn(ex_, sqs_.receive(10, s_.wait_seconds, receive_hold_seconds),
                                                 net::bind_cancellation_slot(poll_stop_.slot(), nothrow));
    if (stopping_ || once_done_) break;
    if (cancelled) {
      log_.warn("receive-aborted", {{"retry_in", ms_text(s_.error_backoff)}});
      co_await sleep(s_.error_backoff);
      continue;
    }
    if (!r) {
      log_.warn("receive-failed", {{"error", r.error().message()}, {"retry_in", ms_text(s_.error_backoff)}});
      co_await sleep(s_.error_backoff);
      continue;
    }
    co_await handle_batch(std::move(*r));
    if (planner_.yield_to_others() && s_.yield_pause.count() > 0 && !stopping_ && !once_done_)
      co_await sleep(jittered(s_.yield_pause, 0.5, 1.5));
  }
  co_await wait_for_runner();
  log_.info("stopped", {{"actions", std::to_string(finished_.size())}});
  co_return 0;
}

net::awaitable<void> agent::resume_journal() {
  std::vector<std::string> problems;
  auto pending = journal_.pending(problems);
  for (const auto& p : problems) log_.error("journal-unreadable", {{"entry", p}, {"what", "left in place; remove it once checked"}});
  for (auto& e : pending) {
    if (e.action.instance_id != id_.instance_id) continue;
    if (end_surviving_script(e.script_pgid, e.script_start))
      log_.warn("surviving-script-ended", {{"token", e.action.token}, {"process_group", std::to_string(e.script_pgid)},
                                           {"what", "the script of an earlier hookd was still running: stopped before "
                                                    "the action is taken up again"}});
    // Only a restart whose script had started counts: a script that brings hookd down (or a
    // machine that keeps crashing under it) must not run again on every restart.
    const int resumes = e.resumes + (e.script_pgid > 0 ? 1 : 0);
    if (resumes > max_resumes) {
      log_.error("journal-given-up", {{"token", e.action.token}, {"resumes", std::to_string(e.resumes)},
                                      {"what", "its script was started " + std::to_string(max_resumes + 1) +
                                               " times without finishing: not run again; completed with " + s_.on_failure}});
      received_action r{e.action, e.message_id, e.receipt_handle, true, resumes};
      action_summary sum;
      sum.result = s_.on_failure;
      co_await complete(e.action, s_.on_failure, steady::now() + global_timeout(e.action.hook), sum);
      co_await settle_action(r, sum);
      continue;
    }
    // The runner asks Auto Scaling first (confirm): an action that ended while hookd was down is
    // only cleaned up; a live one runs again.
    log_.warn("journal-resume", {{"token", e.action.token}, {"hook", e.action.hook}, {"instance", e.action.instance_id},
                                 {"what", "hookd stopped mid-action: running the script again if the action is still live (scripts should be idempotent)"}});
    running_.insert(journal::file_name(e.action.token));
    pending_.push_back({e.action, e.message_id, e.receipt_handle, true, resumes});
  }
  start_runner();
  co_return;
}

void agent::start_runner() {
  if (runner_busy_ || pending_.empty()) return;
  runner_busy_ = true;
  net::co_spawn(ex_, run_pending(), [this](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log_.error("internal-error", {{"where", "action runner"}, {"error", ex.what()}});
      }
    }
    runner_busy_ = false;
    runner_idle_.cancel();
  });
}

net::awaitable<void> agent::run_pending() {
  while (!pending_.empty()) {
    auto r = std::move(pending_.front());
    pending_.pop_front();
    if (stopping_ || once_done_) {
      // Not started: it stays invisible for a while and comes back to this (or the next) hookd.
      running_.erase(journal::file_name(r.action.token));
      continue;
    }
    co_await run_action(std::move(r));
    if (s_.once) {
      once_done_ = true;
      poll_stop_.emit(net::cancellation_type::terminal);
      idle_.cancel();
    }
  }
}

net::awaitable<void> agent::wait_for_runner() {
  while (runner_busy_) {
    runner_idle_.expires_at(steady::time_point::max());
    co_await runner_idle_.async_wait(nothrow);
  }
}

net::awaitable<void> agent::handle_batch(std::vector<aws::sqs_message> batch) {
  std::vector<aws::sqs_batch_entry> deletes, releases;
  std::vector<lifecycle::foreign_sighting> foreign;
  std::vector<std::string> foreign_handles;
  std::vector<received_action> runs;
  const auto now = std::chrono::system_clock::now() + sqs_.clock_offset(); // AWS's time, not a skewed local clock
  bool refresh = false;
  int n = 0;
  for (auto& m : batch) {
    const auto entry_id = "m" + std::to_string(n++);
    const auto parsed = lifecycle::parse_notification(m.body);
    const auto d = lifecycle::decide(
        parsed, self_, [this](const std::string& t) { return known_token(t); },
        [this](const std::string& h) { return global_timeout(h); }, now, m.sent);
    const auto* a = std::get_if<lifecycle::lifecycle_action>(&parsed);
    switch (d.what) {
    case lifecycle::verdict::run:
      runs.push_back({*a, m.message_id, m.receipt_handle, false});
      running_.insert(journal::file_name(a->token)); // a second copy in this same batch is a duplicate
      // Ours: kept invisible past the receive's short hold, in the same call as the releases.
      releases.push_back({entry_id, m.receipt_handle, action_visibility(a->hook)});
      break;
    case lifecycle::verdict::duplicate:
      if (done_.contains(journal::file_name(a->token))) {
        log_.info("duplicate-deleted", {{"message", m.message_id}, {"token", a->token}, {"why", "its action is already finished"}});
        deletes.push_back({entry_id, m.receipt_handle, 0});
      } else {
        // Running now: it stays invisible, and goes with the action's own message when that is done.
        log_.info("duplicate-held", {{"message", m.message_id}, {"token", a->token}});
        duplicate_handles_[a->token].push_back(m.receipt_handle);
        releases.push_back({entry_id, m.receipt_handle, action_visibility(a->hook)});
      }
      break;
    case lifecycle::verdict::foreign:
      log_.debug("foreign-released", {{"message", m.message_id}, {"why", d.why}});
      foreign.push_back({m.message_id, m.receive_count});
      foreign_handles.push_back(m.receipt_handle);
      break;
    case lifecycle::verdict::no_script:
      if (logged_once_.insert(m.message_id))
        log_.warn("no-script", {{"message", m.message_id}, {"token", a->token}, {"why", d.why}});
      foreign.push_back({m.message_id, m.receive_count});
      foreign_handles.push_back(m.receipt_handle);
      break;
    case lifecycle::verdict::unknown_hook:
      if (steady::now() - hooks_read_ < hooks_refresh_interval) {
        // The group's hooks were read moments ago and this one is not among them: put it back
        // for long, like anything hookd cannot act on; a redrive policy moves it on.
        if (logged_once_.insert(m.message_id))
          log_.warn("unknown-hook", {{"message", m.message_id}, {"token", a->token}, {"why", d.why}});
        releases.push_back({entry_id, m.receipt_handle, lifecycle::unparseable_visibility_seconds});
      } else {
        refresh = true; // perhaps a hook created since start-up: read them again, decide next time
      }
      break;
    case lifecycle::verdict::expired:
    case lifecycle::verdict::test:
      log_.info(d.what == lifecycle::verdict::test ? "test-notification-deleted" : "expired-deleted",
                {{"message", m.message_id}, {"why", d.why}});
      deletes.push_back({entry_id, m.receipt_handle, 0});
      break;
    case lifecycle::verdict::unparseable:
      if (logged_once_.insert(m.message_id))
        log_.error("unparseable-message", {{"message", m.message_id}, {"why", d.why},
                                           {"what", "not deleted; put back for " + std::to_string(lifecycle::unparseable_visibility_seconds) +
                                                        "s (a redrive policy moves it to a dead-letter queue)"}});
      releases.push_back({entry_id, m.receipt_handle, lifecycle::unparseable_visibility_seconds});
      break;
    }
  }
  const bool was_stepping = planner_.stepping_over();
  const auto plan = planner_.plan(foreign, !runs.empty() || batch.empty());
  if (planner_.stepping_over() != was_stepping)
    log_.debug(was_stepping ? "stepping-over-ends" : "stepping-over", {{"messages", std::to_string(foreign.size())}});
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (plan[i]) releases.push_back({"f" + std::to_string(i), foreign_handles[i], *plan[i]});

  // The runner starts this instance's action at once; other instances' releases and the deletes
  // go out beside it: the owners do not wait for our script, and our script does not wait for
  // their round trips.
  for (auto& r : runs) pending_.push_back(std::move(r));
  start_runner();
  using namespace net::experimental::awaitable_operators;
  co_await (settle(std::move(releases), true) && settle(std::move(deletes), false));
  if (refresh) co_await refresh_hooks();
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
    if (release) r = co_await sqs_.change_visibility_batch(chunk); // two statements: GCC 12 and co_await in ?:
    else r = co_await sqs_.delete_batch(chunk);
    if (!r)
      log_.warn(release ? "release-failed" : "delete-failed",
                {{"error", r.error().message()}, {"what", release ? "the messages return after their visibility timeout"
                                                                  : "they come back and are decided again"}});
  }
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
  auto extend = [&]() -> net::awaitable<void> {
    auto v = co_await sqs_.change_visibility(handle, visibility);
    if (!v) log_.debug("visibility-extend-failed", {{"error", v.error().message()}});
  };
  if (extend_first) co_await extend();
  net::steady_timer t(ex_);
  auto next = steady::now() + spread();
  while (!stopped()) {
    t.expires_at(next);
    if (auto [ec] = co_await t.async_wait(nothrow); ec || stopped()) co_return;
    next += spread();
    if (gone) continue;
    if (steady::now() + interval >= global_deadline) {
      if (!warned) {
        warned = true;
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(global_deadline - steady::now());
        log_.warn("global-timeout-near", {{"token", a.token}, {"time_left", format_duration(left)},
                                          {"what", "heartbeats cannot extend the action past the hook's global timeout"}});
      }
      continue;
    }
    // A failed heartbeat is retried within the interval, not skipped.
    for (int attempt = 0;; ++attempt) {
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

net::awaitable<void> agent::complete(const lifecycle::lifecycle_action& a, const std::string& result,
                                     steady::time_point global_deadline, action_summary& sum) {
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
    // Throttling uses up no rounds: under a fleet's throttling a completion keeps its turn until
    // the action's own deadline, and heartbeats (which retry less) give way to it.
    if (!aws::is_throttling(r.error()) && ++failures >= complete_rounds) co_return;
    if (steady::now() + backoff >= global_deadline) co_return;
    net::steady_timer t(ex_, jittered(backoff, 0.5, 1.0));
    co_await t.async_wait(nothrow);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
  }
}

net::awaitable<agent::confirmation> agent::confirm(const lifecycle::lifecycle_action& a, bool resumed, int& heartbeats) {
  // A heartbeat with the token *and* our instance id: Auto Scaling answers it only for a live
  // action of this instance, so a forged, stale or stolen token never runs the script.
  auto backoff = 250ms;
  const auto until = steady::now() + (resumed ? 0ms : s_.confirm_window);
  for (;;) {
    auto r = co_await asg_.record_heartbeat(a.group, a.hook, a.token, a.instance_id);
    if (r) {
      ++heartbeats;
      co_return confirmation::confirmed;
    }
    // "No active action" can precede the action's activation by a moment; anything else AWS
    // refuses outright (a malformed token) will not change.
    const bool over = aws::is_no_active_action(r.error());
    if (aws::is_permanent(r.error()) || (over && steady::now() >= until)) {
      if (resumed)
        log_.info("journal-action-over", {{"token", a.token}, {"hook", a.hook},
                                          {"what", "the action ended while hookd was down; cleaning up"}});
      else
        log_.warn("action-unconfirmed", {{"token", a.token}, {"hook", a.hook}, {"error", r.error().message()},
                                         {"what", "Auto Scaling has no such action for this instance: the message is "
                                                  "stale or forged; deleted, the script not run"}});
      co_return confirmation::refused;
    }
    if (steady::now() >= until && !over) {
      log_.error("confirm-failed", {{"token", a.token}, {"error", r.error().message()},
                                    {"what", "cannot confirm the action with Auto Scaling; the message comes back and is tried again"}});
      co_return confirmation::unknown;
    }
    net::steady_timer t(ex_, jittered(backoff, 0.5, 1.0));
    co_await t.async_wait(nothrow);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 2s);
  }
}

net::awaitable<void> agent::run_action(received_action r) {
  using namespace net::experimental::awaitable_operators;
  const auto& a = r.action;
  const auto start = steady::now();
  running_.insert(journal::file_name(a.token));
  action_running_ = true;
  action_summary sum;
  sum.token = a.token;
  sum.transition = std::string(lifecycle::transition_word(a.transition));
  sum.instance_id = a.instance_id;
  sum.hook = a.hook;
  log_.info("action-start", {{"transition", sum.transition}, {"instance", a.instance_id}, {"hook", a.hook},
                             {"token", a.token}, {"shape", a.shape}});
  const auto interval = heartbeat_interval(a.hook);
  const auto global = steady::now() + global_timeout(a.hook) -
                      (a.time ? std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *a.time)
                              : std::chrono::seconds(0));
  // Nothing serial before the exec but what it needs: the journal entry (durable before the
  // script runs), the script itself and Auto Scaling's word, all three at once.
  // A named entry, not a braced temporary inside co_await: GCC 12 destroys such temporaries twice.
  journal_entry entry{a, r.message_id, r.receipt_handle, std::chrono::system_clock::now()};
  entry.resumes = r.resumes;
  std::string why;
  auto [w, path, confirmed] = co_await (journal_.write(entry) && fetch_script(s_, a, {}, &s3_, log_, why) &&
                                        confirm(a, r.resumed, sum.heartbeats));
  if (!w) log_.error("journal-write-failed", {{"error", w.error().message()}, {"what", "going on without it: a crash now would not resume this action"}});
  if (stopping_ && confirmed == confirmation::confirmed) {
    // Stopped before the script started: it is not started now. The journal entry and the
    // message stay, and the next hookd takes the action up.
    log_.warn("action-not-started", {{"token", a.token}, {"what", "hookd is stopping; the next hookd takes it up"}});
    if (path) discard_script(*path, s_);
    running_.erase(journal::file_name(a.token));
    action_running_ = false;
    grace_timer_.reset();
    co_return;
  }
  if (confirmed != confirmation::confirmed) {
    if (path) discard_script(*path, s_);
    co_await drop_action(r, confirmed == confirmation::refused);
  } else {
    proc::run_result rr;
    if (!path) {
      log_.error("script-unavailable", {{"token", a.token}, {"why", why}});
      rr.spawn_error = why;
    } else {
      // Its process group and start time go into the journal, so a hookd restarted after a
      // SIGKILL ends this script before it runs the action again.
      auto record = [this, entry](pid_t pid) {
        auto e = entry;
        e.script_pgid = pid;
        e.script_start = process_start_ticks(pid);
        net::co_spawn(ex_, [this, e]() -> net::awaitable<void> {
          if (auto written = co_await journal_.write(e); !written)
            log_.warn("journal-write-failed", {{"error", written.error().message()}});
        }, net::detached);
      };
      auto result = co_await (supervise_script(script_command(*path, a, id_.region, s_, env_), s_, a.token, log_,
                                               script_stop_.slot(), record) ||
                              keep_alive(a, r.receipt_handle, r.resumed, interval, global, sum.heartbeats));
      if (result.index() == 0) rr = std::get<0>(std::move(result));
      discard_script(*path, s_);
    }
    sum.outcome = rr.describe();
    sum.script_duration = rr.duration;
    sum.result = rr.succeeded() ? s_.on_success : s_.on_failure;
    if (!rr.succeeded())
      for (const auto& l : rr.tail) log_.warn("script-tail", {{"token", a.token}, {"line", l}});
    co_await complete(a, sum.result, global, sum);
    co_await settle_action(r, sum);
  }
  running_.erase(journal::file_name(a.token));
  action_running_ = false;
  grace_timer_.reset();
  sum.total = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  if (confirmed != confirmation::confirmed) co_return;
  log_.info("action-done", {{"transition", sum.transition}, {"instance", sum.instance_id}, {"hook", sum.hook},
                            {"result", sum.result}, {"script", sum.outcome}, {"script_duration", ms_text(sum.script_duration)},
                            {"heartbeats", std::to_string(sum.heartbeats)}, {"total", ms_text(sum.total)},
                            {"completed", sum.completed ? "yes" : (sum.already_over ? "already-over" : "no")},
                            {"message_deleted", sum.deleted ? "yes" : "no"}});
  finished_.push_back(std::move(sum));
  if (finished_.size() > token_memory) finished_.pop_front();
}

net::awaitable<void> agent::mark_done(const std::string& token) {
  // Done first: a copy the poll loop receives while we await below is deleted as finished,
  // rather than held as a duplicate after its handles were taken.
  done_.insert(journal::file_name(token));
  auto held = std::move(duplicate_handles_[token]);
  duplicate_handles_.erase(token);
  for (const auto& extra : held) co_await sqs_.delete_message(extra);
  auto f = co_await journal_.finish(token);
  if (!f) log_.error("journal-finish-failed", {{"error", f.error().message()}});
}

net::awaitable<void> agent::drop_action(const received_action& r, bool refused) {
  const auto& a = r.action;
  if (refused) {
    // It names us, and Auto Scaling says there is no such action of ours: nobody can act on it.
    co_await sqs_.delete_message(r.receipt_handle);
    co_await mark_done(a.token);
    co_return;
  }
  // Unknown (Auto Scaling unreachable): back soon, and decided afresh.
  auto f = co_await journal_.finish(a.token);
  if (!f) log_.error("journal-finish-failed", {{"error", f.error().message()}});
  co_await sqs_.change_visibility(r.receipt_handle, receive_hold_seconds);
  duplicate_handles_.erase(a.token);
}

net::awaitable<void> agent::settle_action(const received_action& r, action_summary& sum) {
  const auto& a = r.action;
  if (sum.completed || sum.already_over) {
    auto d = co_await sqs_.delete_message(r.receipt_handle);
    sum.deleted = bool(d);
    if (!d) log_.warn("delete-failed", {{"message", r.message_id}, {"error", d.error().message()},
                                        {"what", "it will come back and be recognised as finished"}});
    co_await mark_done(a.token);
  } else {
    // Not completed: the message is kept (Auto Scaling will time the action out with its default
    // result); hookd does not run the script again for this token while it lives.
    attempted_.insert(journal::file_name(a.token));
    duplicate_handles_.erase(a.token);
    log_.error("action-not-completed", {{"token", a.token}, {"what", "message kept; the hook's DefaultResult applies at its timeout"}});
  }
}

} // namespace hookd::agent
