// SPDX-License-Identifier: Apache-2.0
#include "hookd/lifecycle/disposition.hpp"

#include <algorithm>

namespace hookd::lifecycle {

std::string_view verdict_name(verdict v) {
  switch (v) {
  case verdict::run: return "run";
  case verdict::duplicate: return "duplicate";
  case verdict::foreign: return "foreign";
  case verdict::expired: return "expired";
  case verdict::test: return "test-notification";
  case verdict::unparseable: return "unparseable";
  case verdict::no_script: return "no-script";
  case verdict::unknown_hook: return "unknown-hook";
  case verdict::notice: return "notice";
  }
  return "?";
}

decision decide(const notification& n, const self_identity& self, const std::function<bool(const std::string&)>& known,
                const std::function<std::chrono::seconds(const std::string&)>& global_timeout, sys_time now,
                std::optional<sys_time> sent) {
  if (auto* u = std::get_if<unparseable>(&n)) return {verdict::unparseable, u->reason};
  if (auto* e = std::get_if<ec2_notice>(&n))
    return e->instance_id == self.instance_id ? decision{verdict::notice, "EC2 " + e->kind + " notice for this instance"}
                                              : decision{verdict::foreign, "EC2 " + e->kind + " notice for instance " + e->instance_id};
  if (auto* t = std::get_if<test_notification>(&n))
    return {verdict::test, "autoscaling:TEST_NOTIFICATION for group '" + t->group + "'"};
  const auto& a = std::get<lifecycle_action>(n);
  // Ownership first: only our own group's hooks say when one of our messages has expired; a
  // same-named hook of another group sharing the queue says nothing about it.
  if (a.instance_id != self.instance_id) return {verdict::foreign, "for instance " + a.instance_id};
  if (!self.group.empty() && a.group != self.group) return {verdict::foreign, "for group " + a.group};
  if (!self.hooks.empty() && !self.hooks.count(a.hook)) return {verdict::foreign, "for hook " + a.hook + ", not one of ours"};
  if (!self.group_hooks.empty() && !self.group_hooks.count(a.hook))
    return {verdict::unknown_hook, "hook '" + a.hook + "' does not exist on group " + a.group + " (DescribeLifecycleHooks)"};
  // Expired: nobody can act on it any more, and it names us; deleted, or it would circulate
  // until the queue's retention period ends.
  const auto when = a.time ? a.time : sent;
  if (when) {
    const auto limit = *when + global_timeout(a.hook) + expiry_margin;
    if (now > limit)
      return {verdict::expired, "lifecycle action for " + a.instance_id + " (hook " + a.hook + ") expired at " +
                                    iso8601(std::chrono::time_point_cast<std::chrono::seconds>(limit))};
  }
  if (known && known(a.token)) return {verdict::duplicate, "token already being handled or done"};
  const bool has_script = a.transition == transition::terminate ? self.terminate_script : self.launch_script;
  if (!has_script)
    return {verdict::no_script, "no script configured for " + std::string(transition_word(a.transition)) +
                                    " (set --on-" + std::string(transition_word(a.transition)) + ")"};
  return {verdict::run, "ours: " + std::string(transition_word(a.transition)) + " via hook " + a.hook};
}

release_planner::release_planner(int hold_seconds, std::size_t memory) : hold_(hold_seconds), memory_(memory) {}

int release_planner::seen(const std::string& id) const {
  auto it = seen_.find(id);
  return it == seen_.end() ? 0 : it->second.times;
}

std::vector<std::optional<int>> release_planner::plan(const std::vector<foreign_sighting>& foreign, bool made_progress) {
  // Straight back: we released it in our last receive and got it back with its count up by
  // exactly one: nobody else received it in between. Asked again at once, that is proof we read
  // the queue alone. After a pause it is weaker (the fleet may have been pausing too), so it
  // takes two such receives in a row.
  bool straight_back = false, others_reading = false, handed_around = false;
  for (const auto& f : foreign) {
    handed_around = handed_around || f.receive_count > 1;
    auto it = seen_.find(f.id);
    if (it == seen_.end()) continue;
    const bool next = f.receive_count == 0 || f.receive_count == it->second.last_count + 1;
    if (next && last_released_.count(f.id)) straight_back = true;
    else if (f.receive_count > it->second.last_count + 1) others_reading = true;
  }
  quiet_streak_ = others_reading || !straight_back ? 0 : quiet_streak_ + 1;
  if (others_reading) stepping_ = false;
  else if (straight_back && !made_progress && (!paused_ || quiet_streak_ >= 2)) stepping_ = true;
  std::vector<std::optional<int>> out;
  out.reserve(foreign.size());
  last_released_.clear();
  bool all_released = true;
  for (const auto& f : foreign) {
    auto [it, inserted] = seen_.try_emplace(f.id);
    if (inserted) order_.push_back(f.id);
    ++it->second.times;
    it->second.last_count = f.receive_count;
    // While stepping over, what we have seen is held, and so is what nobody has had before us
    // (count 1). A message new to us that others have handed around is released: holding it
    // would hide it from a fleet.
    const bool hold = stepping_ && (!inserted || f.receive_count <= 1);
    all_released = all_released && !hold;
    if (!hold) last_released_.insert(f.id);
    out.push_back(hold ? std::nullopt : std::optional<int>(0));
  }
  // Pause only when the messages have been handed around (a fleet is reading): a receive of
  // fresh messages is asked again at once, which is how one agent finds out it is alone.
  // Even an agent that found its own message pauses: asking again at once would take back what
  // it just released, before the rest of the fleet could. An agent stepping over has proved it
  // reads alone: messages new to it that were handed around before (by an earlier hookd, or by
  // agents long gone) are released, and asked for again at once, so that they come straight back
  // and are held; a pause per ten of them let the holds run out before it got past about fifty.
  if (made_progress) stepping_ = false;
  yield_ = paused_ = all_released && handed_around && !foreign.empty() && !stepping_;
  while (order_.size() > memory_) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  return out;
}

} // namespace hookd::lifecycle
