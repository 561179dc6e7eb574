// SPDX-License-Identifier: Apache-2.0
// The agent's core: its lifetime (run, stop), the journal taken up again at start, and the
// runner's rule: one run per transition, every later action of that transition attached to it.
#include "hookd/agent/agent.hpp"
#include "hookd/agent/imds_source.hpp"
#include "hookd/agent/queue_source.hpp"

#include "hookd/core/async.hpp"
#include "hookd/version.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <unistd.h>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

agent::agent(net::any_io_executor ex, options o, identity id, clients c, journal& j, logger& log, env_lookup env)
    : ex_(ex), s_(std::move(o)), id_(std::move(id)), sqs_(c.sqs), asg_(*c.asg), s3_(*c.s3), imds_(c.imds), journal_(j),
      log_(log), env_(std::move(env)), confirm_turns_(ex, confirm_calls_at_once), decided_(ex), exec_gate_(ex), idle_(ex), runner_idle_(ex), run_ended_(ex),
      caller_(c.caller), report_timer_(ex), background_idle_(ex), events_(c.events), drains_(c.drains), http_(c.http),
      notification_counts_(std::move(c.notification_counts)) {
  status_.pid = ::getpid();
  status_.version = hookd::version;
  status_.instance = id_.instance_id;
  status_.group = id_.group;
  status_.started = std::chrono::system_clock::now();
  if (sqs_) status_.source("queue").interval = std::chrono::seconds(s_.wait_seconds);
  if (s_.imds && imds_) status_.source("imds").interval = s_.imds_poll;
  for (const auto& t : journal_.done_tokens()) done_.insert(t);
  if (sqs_) queue_ = std::make_unique<queue_source>(ex, s_, id_, *sqs_, asg_, *this, log_, c.first);
  // Built whenever metadata can be read: a Spot notice on the queue is checked there even when
  // the metadata source does not poll.
  if (imds_ && !imds_->config().disabled)
    imds_source_ = std::make_unique<imds_source>(ex, s_, id_.instance_id, id_.group, *imds_, asg_, *this, log_, status_);
}

agent::~agent() = default;

bool agent::known_token(const std::string& token) const {
  const auto key = journal::file_name(lifecycle::queue_key(token));
  return running_.count(key) || done_.contains(key) || attempted_.contains(key);
}

bool agent::token_done(const std::string& token) const { return done_.contains(journal::file_name(lifecycle::queue_key(token))); }

void agent::hold_duplicate(const std::string& token, std::string receipt_handle) {
  duplicate_handles_[lifecycle::queue_key(token)].push_back(std::move(receipt_handle));
}

void agent::take(received_action r) {
  enqueue(std::move(r));
  // Only an action the runner starts now is waited for; one queued behind a running script is not.
  exec_awaited_ = !action_running_ && pending_.size() == 1;
}

net::awaitable<void> agent::exec_started(std::chrono::milliseconds at_most) {
  if (!exec_awaited_) co_return;
  exec_gate_.expires_after(at_most);
  co_await exec_gate_.async_wait(nothrow);
}

void agent::open_exec_gate() {
  exec_awaited_ = false;
  exec_gate_.cancel();
}

void agent::hooks_read(std::vector<aws::lifecycle_hook> hooks) {
  id_.hooks.clear();
  for (auto& h : hooks) id_.hooks[h.name] = std::move(h);
}

bool agent::check_notices() {
  if (!imds_source_) return false;
  imds_source_->check_notices();
  return true;
}

action_summary action_summary::of(const lifecycle::lifecycle_action& a) {
  action_summary sum;
  sum.token = a.token;
  sum.transition = std::string(lifecycle::transition_word(a.transition));
  sum.instance_id = a.instance_id;
  sum.hook = a.hook;
  sum.trigger = a.trigger;
  sum.by_instance = a.by_instance();
  return sum;
}

std::chrono::seconds agent::global_timeout(const std::string& hooks) const {
  auto shortest = default_global_timeout;
  for (const auto& hook : hook_names(hooks))
    if (auto it = id_.hooks.find(hook); it != id_.hooks.end() && it->second.global_timeout > 0)
      shortest = std::min(shortest, std::chrono::seconds(it->second.global_timeout));
  return shortest;
}

int agent::heartbeat_timeout(const std::string& hooks) const {
  int shortest = 3600;
  for (const auto& hook : hook_names(hooks))
    if (auto it = id_.hooks.find(hook); it != id_.hooks.end()) shortest = std::min(shortest, it->second.heartbeat_timeout);
  return shortest;
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
                           {"grace", format_duration(s_.shutdown_grace)}});
    if (queue_) queue_->stop();
    idle_.cancel();
    abandon_confirmations();
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
  using namespace net::experimental::awaitable_operators;
  // The reports run beside the work and end with it: nothing outlives run() to touch the agent.
  reporting_ = true;
  co_await (work() && report_loop());
  log_.info("stopped", {{"actions", std::to_string(finished_.size())}});
  co_return 0;
}

net::awaitable<void> agent::work() {
  co_await resume_journal();
  if (imds_source_ && s_.imds) imds_source_->start();
  if (queue_) co_await queue_->run();
  while (!stopping_ && !once_done_) co_await sleep(std::chrono::hours(1)); // stop() or --once wakes it
  if (imds_source_) co_await imds_source_->stop();
  co_await wait_for_runner();
  reporting_ = false;
  report_timer_.cancel();
}

net::awaitable<void> agent::resume_journal() {
  std::vector<std::string> problems;
  auto pending = journal_.pending(problems);
  for (const auto& p : problems) log_.error("journal-unreadable", {{"entry", p}, {"what", "left in place; remove it once checked"}});
  for (auto& e : pending) {
    if (e.action.instance_id != id_.instance_id) continue;
    const auto survived = end_surviving_script({e.script_pgid, e.script_start, e.boot_id});
    if (survived == survivor::ended)
      log_.warn("surviving-script-ended", {{"token", e.action.token}, {"process_group", std::to_string(e.script_pgid)},
                                           {"what", "the script of an earlier hookd was still running: stopped before "
                                                    "the action is taken up again"}});
    else if (survived == survivor::unproven)
      log_.warn("surviving-script-unproven", {{"token", e.action.token}, {"process_group", std::to_string(e.script_pgid)},
                                              {"what", "a process group of that number exists, but none of its members is "
                                                       "provably the script's (another boot, or the number reused): left alone"}});
    // Only a restart whose script had started counts: a script that brings hookd down (or a
    // machine that keeps crashing under it) must not run again on every restart.
    const int resumes = e.resumes + (e.script_pgid > 0 ? 1 : 0);
    if (resumes > max_resumes) {
      log_.error("journal-given-up", {{"token", e.action.token}, {"resumes", std::to_string(e.resumes)},
                                      {"what", "its script was started " + std::to_string(max_resumes + 1) +
                                               " times without finishing: not run again; completed with " + s_.on_failure}});
      received_action r{e.action, e.message_id, e.receipt_handle, true, resumes, std::nullopt};
      action_summary sum;
      sum.result = s_.on_failure;
      tell(about(event_kind::failure, e.action, "its script was started " + std::to_string(max_resumes + 1) +
                                                    " times without finishing: given up, completed with " + s_.on_failure));
      co_await complete(e.action, s_.on_failure, steady::now() + global_timeout(e.action.hook), sum);
      co_await settle_action(r, sum);
      continue;
    }
    // The runner asks Auto Scaling first (confirm): an action that ended while hookd was down is
    // only cleaned up; a live one runs again.
    log_.warn("journal-resume", {{"token", e.action.token}, {"hook", e.action.hook}, {"instance", e.action.instance_id},
                                 {"what", "hookd stopped mid-action: running the script again if the action is still live (scripts should be idempotent)"}});
    enqueue({e.action, e.message_id, e.receipt_handle, true, resumes, std::nullopt});
  }
}

void agent::start_runner() {
  if (runner_busy_ || pending_.empty()) return;
  runner_busy_ = true;
  net::co_spawn(ex_, run_pending(), [this](std::exception_ptr e) {
    log_escaped(log_, e, "action runner");
    runner_busy_ = false;
    runner_idle_.cancel();
  });
}

net::awaitable<void> agent::run_pending() {
  while (auto c = next_candidate()) {
    if (stopping_ || once_done_) {
      // Not started: it stays invisible for a while and comes back to this (or the next) hookd.
      // One still being confirmed is left to its confirmation, which ends it the same way.
      std::erase_if(pending_, [this](const auto& p) {
        if (p->verdict != confirmation::confirmed) return false;
        running_.erase(journal::name_of(p->r.action));
        return true;
      });
      break;
    }
    // Only an action with Auto Scaling's word (or the instance's) attaches here. One still being
    // confirmed goes to run_action, which prepares it and asks choose_run again once the word is
    // in: attached before it, it would leave the pending bound, and after a termination's run
    // every forged message naming us would be held, unbounded (make test saw 993 at a stop).
    if ((c->r.action.by_instance() || c->verdict == confirmation::confirmed) && choice(c->r.action) == run_choice::attach) {
      forget(*c);
      start_attached(std::move(c)); // its transition has a run already: the script does not run twice
      continue;
    }
    // --once ends after this instance's action, not after a forged or stale one was refused.
    if (co_await run_action(c) && c->verdict == confirmation::confirmed && s_.once) {
      // --once ends after the completion and the deletes, with the poll loop still going
      // meanwhile: a copy of our message received then is held, and deleted with it.
      while (attached_ > 0) {
        background_idle_.expires_at(steady::time_point::max());
        co_await background_idle_.async_wait(nothrow);
      }
      once_done_ = true;
      if (queue_) queue_->stop();
      idle_.cancel();
    }
  }
}

net::awaitable<void> agent::wait_for_runner() {
  while (runner_busy_ || attached_ > 0) {
    runner_idle_.expires_at(steady::time_point::max());
    co_await runner_idle_.async_wait(nothrow);
  }
}


void agent::submit(instance_event ev) {
  if (stopping_ || once_done_) return;
  lifecycle::lifecycle_action a;
  a.transition = ev.transition;
  a.instance_id = id_.instance_id;
  a.group = id_.group;
  a.source = lifecycle::action_source::instance;
  a.target = ev.target;
  a.notice = ev.notice;
  if (!ev.notice) std::tie(a.origin, a.destination) = lifecycle::leg_of_target(ev.transition, ev.target);
  a.token = lifecycle::instance_action_key(id_.instance_id, lifecycle::transition_word(ev.transition), ev.target);
  a.trigger = ev.trigger;
  a.shape = "imds";
  a.time = std::chrono::system_clock::now();
  // Every hook of the group for this transition (that --hook lets us have) waits on this run; a
  // notice begins no transition, so no hook waits on it.
  if (!ev.notice)
    for (const auto& [name, h] : id_.hooks)
      if (h.transition == lifecycle::aws_name(ev.transition) && (s_.hooks.empty() || s_.hooks.count(name)))
        a.hook += (a.hook.empty() ? "" : ",") + name;
  if (running_.count(journal::name_of(a)) || done_.contains(journal::name_of(a)))
    return; // this same event is running, or was done (before a restart too)
  if (ev.notice && has_run(lifecycle::transition::terminate)) {
    log_.info("notice-after-termination", {{"trigger", ev.trigger}, {"what", "the terminate transition has a run already: nothing more to do"}});
    return;
  }
  enqueue({a, "", "", false, 0, ev.must_end_by});
}

void agent::leg_changed(const std::string& target) {
  forget_other_legs(runs_, target);
  // Every leg this instance can be in; the new one's own mark stays (hookd restarted within it).
  static constexpr std::string_view legs[] = {"InService", "Terminated", "spot", "Warmed:Running", "Warmed:Stopped",
                                              "Warmed:Hibernated", "Warmed:Terminated"};
  std::vector<std::string> forgotten;
  for (auto t : {lifecycle::transition::launch, lifecycle::transition::terminate})
    for (auto leg : legs) {
      if (leg == target) continue;
      auto key = lifecycle::instance_key(id_.instance_id, lifecycle::transition_word(t), leg);
      const auto name = journal::file_name(key);
      if (running_.count(name) || !(done_.contains(name) || attempted_.contains(name))) continue;
      done_.erase(name);
      attempted_.erase(name);
      forgotten.push_back(std::move(key));
    }
  if (forgotten.empty()) return;
  start_background([](journal& j, std::vector<std::string> keys) -> net::awaitable<void> {
    co_await j.forget_done(std::move(keys));
  }(journal_, std::move(forgotten)), "forgetting done legs");
}

void agent::start_attached(std::shared_ptr<candidate> c) {
  c->held = true;
  start_background(attach(std::move(c)), "attached action");
}

void agent::start_background(net::awaitable<void> work, const char* what) {
  ++attached_;
  net::co_spawn(ex_, std::move(work), [this, what](std::exception_ptr e) {
    log_escaped(log_, e, what);
    if (--attached_ == 0) {
      runner_idle_.cancel();
      background_idle_.cancel();
    }
  });
}

net::awaitable<void> agent::attach(std::shared_ptr<candidate> c) {
  using namespace net::experimental::awaitable_operators;
  const auto& r = c->r;
  const auto& a = r.action;
  auto sum = action_summary::of(a);
  const auto start = steady::now();
  const auto global = start + global_timeout(a.hook);
  co_await wait_decided(*c, false);
  const auto confirmed = *c->verdict;
  sum.heartbeats += c->heartbeats;
  if (confirmed != confirmation::confirmed) {
    co_await drop_action(r, confirmation::refused == confirmed);
    co_return;
  }
  tell(about(event_kind::action_confirmed, a));
  if (choice(a) == run_choice::own_run) {
    // Confirmed, it needs a run of its own after all (the guess was made before the verdict).
    c->held = false;
    pending_.push_front(std::move(c));
    start_runner();
    co_return;
  }
  for (const auto& h : hook_names(a.hook)) runs_[a.transition].hooks.insert(h);
  log_.info("action-attached", {{"transition", sum.transition}, {"hook", a.hook}, {"token", a.token}, {"trigger", a.trigger},
                                {"what", "this transition's script has already run or is running: the action is "
                                         "completed with that run's result, the script not run again"}});
  if (!runs_[a.transition].finished)
    co_await (wait_for_run(a.transition) ||
              keep_alive(a, r.receipt_handle, r.resumed, heartbeat_interval(a.hook), global, sum.heartbeats));
  sum.result = runs_[a.transition].result;
  sum.outcome = "attached to the transition's run";
  co_await complete(a, sum.result, global, sum);
  co_await settle_action(r, sum);
  running_.erase(journal::name_of(a));
  sum.total = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  log_done(sum);
}

net::awaitable<void> agent::wait_for_run(lifecycle::transition transition) {
  while (!runs_[transition].finished) co_await run_ended_.wait();
}

void agent::end_run(const lifecycle::lifecycle_action& a, const std::string& result) {
  auto& run = runs_[a.transition];
  run.finished = true;
  run.result = result;
  run_ended_.notify_all();
}

} // namespace hookd::agent
