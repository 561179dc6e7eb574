// SPDX-License-Identifier: Apache-2.0
// A flood of messages naming this instance (forged, most likely: a real instance has an action or
// two at a time) makes Auto Scaling's word on the real one wait behind theirs, one round trip per
// four of them. The group's own word does not: DescribeAutoScalingInstances says whether this
// instance waits in a transition, and if it does, the transition runs at once by instance id, as
// with --trigger imds. The real message, when its turn comes and Auto Scaling confirms it,
// attaches to that run (or, the action completed by then, is refused and deleted).
#include "hookd/agent/agent.hpp"

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

void agent::note_backlog() {
  if (pending_.size() < flood_threshold || group_check_running_ || steady::now() < next_group_check_ || stopping_) return;
  group_check_running_ = true;
  next_group_check_ = steady::now() + flood_check_interval;
  start_background(check_group_on_flood(), "flood check");
}

net::awaitable<void> agent::check_group_on_flood() {
  auto inst = co_await asg_.describe_instance(id_.instance_id);
  group_check_running_ = false;
  if (!inst) {
    log_.warn("backlog-group-check-failed", {{"error", inst.error().message()}, {"what", "asked again while the backlog lasts"}});
    co_return;
  }
  const auto ev = *inst ? event_of_group_state((*inst)->lifecycle_state) : std::nullopt;
  if (!ev) co_return;
  // A run going, or still completing its own action, is this very wait: nothing to add. A run
  // over and completed is an earlier action's: the group waiting again means a new one, so it
  // must not attach to that run (nor to its done mark).
  if (const auto* run = run_of(ev->transition); run && (!run->finished || run->completing > 0)) co_return;
  runs_.erase(ev->transition);
  const auto name = journal::file_name(lifecycle::instance_key(id_.instance_id, lifecycle::transition_word(ev->transition), ev->target));
  if (running_.count(name)) co_return;
  done_.erase(name);
  const auto& script = ev->transition == lifecycle::transition::terminate ? s_.script.on_terminate : s_.script.on_launch;
  if (script.empty()) co_return;
  if (logged_once_.insert("backlog-group-check:" + ev->target))
    log_.warn("backlog-group-check", {{"state", (*inst)->lifecycle_state}, {"backlog", std::to_string(pending_.size())},
                                      {"what", "many messages name this instance, and the group shows it in a transition: "
                                               "running it now by instance id, ahead of their confirmations"}});
  submit(*ev);
}

} // namespace hookd::agent
