// SPDX-License-Identifier: Apache-2.0
// Auto Scaling's word on each action of this instance before its script may run, asked for every
// action from the moment it is taken, beside the others: a forged message is refused only after
// the confirm window, and the windows of many must not be served in turn ahead of a real action.
#include "hookd/agent/agent.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/steady_timer.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

void agent::enqueue(received_action r) {
  running_.insert(journal::name_of(r.action));
  auto c = std::make_shared<candidate>();
  c->r = std::move(r);
  pending_.push_back(c);
  start_background(confirm_candidate(std::move(c)), "confirmation");
  start_runner();
}

net::awaitable<void> agent::confirm_candidate(std::shared_ptr<candidate> c) {
  const auto verdict = co_await confirm(c->r.action, c->r.resumed, c->heartbeats);
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

net::awaitable<bool> agent::wait_decided(const candidate& c, bool give_way) {
  const auto other_confirmed = [&] {
    return std::any_of(pending_.begin(), pending_.end(),
                       [&](const auto& p) { return p.get() != &c && p->verdict == confirmation::confirmed; });
  };
  while (!c.verdict && !(give_way && other_confirmed())) co_await decided_.wait();
  co_return c.verdict.has_value();
}

void agent::forget(const candidate& c) {
  std::erase_if(pending_, [&](const auto& p) { return p.get() == &c; });
}

net::awaitable<agent::confirmation> agent::confirm(const lifecycle::lifecycle_action& a, bool resumed, int& heartbeats) {
  if (a.by_instance()) {
    // Instance metadata is the instance's own word: nothing to forge. Taken up from the journal,
    // a run for the target state runs again only while the group still shows the instance in
    // that transition; a notice's run (Spot, maintenance) while the instance lives, since the
    // group knows nothing of the notice (the journal's resume limit bounds it).
    if (!resumed || a.trigger != "imds") co_return confirmation::confirmed;
    if (co_await instance_still_waiting(a)) co_return confirmation::confirmed;
    log_.info("journal-action-over", {{"token", a.token}, {"what", "the transition ended while hookd was down; cleaning up"}});
    co_return confirmation::refused;
  }
  // A heartbeat with the token *and* our instance id: Auto Scaling answers it only for a live
  // action of this instance, so a forged, stale or stolen token never runs the script.
  auto backoff = 250ms;
  const auto until = steady::now() + (resumed ? 0ms : s_.confirm_window);
  for (bool first = true;; first = false) {
    outcome<void> r = make_error(errc::protocol_error, "not sent");
    {
      const auto turn = co_await confirm_turns_.take(first);
      r = co_await asg_.record_heartbeat(a.group, a.hook, a.token, a.instance_id);
    }
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
    if (stopping_) co_return confirmation::unknown; // its message comes back to the next hookd
    net::steady_timer t(ex_, jittered(backoff, 0.5, 1.0));
    co_await t.async_wait(nothrow);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 2s);
  }
}

} // namespace hookd::agent
