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
  }
  return "?";
}

decision decide(const notification& n, const self_identity& self, const std::set<std::string>& known_tokens,
                const std::function<std::chrono::seconds(const std::string&)>& global_timeout, sys_time now,
                std::optional<sys_time> sent) {
  if (auto* u = std::get_if<unparseable>(&n)) return {verdict::unparseable, u->reason};
  if (auto* t = std::get_if<test_notification>(&n))
    return {verdict::test, "autoscaling:TEST_NOTIFICATION for group '" + t->group + "'"};
  const auto& a = std::get<lifecycle_action>(n);
  // Expiry first: a notification nobody can act on any more is deleted whoever it was for,
  // or it would circulate until the queue's retention period ends.
  const auto when = a.time ? a.time : sent;
  if (when) {
    const auto limit = *when + global_timeout(a.hook);
    if (now > limit)
      return {verdict::expired, "lifecycle action for " + a.instance_id + " (hook " + a.hook + ") expired at " +
                                    iso8601(std::chrono::time_point_cast<std::chrono::seconds>(limit))};
  }
  if (a.instance_id != self.instance_id) return {verdict::foreign, "for instance " + a.instance_id};
  if (!self.group.empty() && a.group != self.group) return {verdict::foreign, "for group " + a.group};
  if (!self.hooks.empty() && !self.hooks.count(a.hook)) return {verdict::foreign, "for hook " + a.hook + ", not one of ours"};
  if (known_tokens.count(a.token)) return {verdict::duplicate, "token already being handled or done"};
  const bool has_script = a.transition == terminating ? self.terminate_script : self.launch_script;
  if (!has_script)
    return {verdict::no_script, "no script configured for " + std::string(transition_word(a.transition)) +
                                    " (set --on-" + std::string(transition_word(a.transition)) + ")"};
  return {verdict::run, "ours: " + std::string(transition_word(a.transition)) + " via hook " + a.hook};
}

release_planner::release_planner(int hold_seconds, int max_delay_seconds, std::size_t memory)
    : hold_(hold_seconds), max_delay_(max_delay_seconds), memory_(memory) {}

int release_planner::seen(const std::string& id) const {
  auto it = seen_.find(id);
  return it == seen_.end() ? 0 : it->second;
}

std::vector<std::optional<int>> release_planner::plan(const std::vector<std::string>& ids, bool made_progress) {
  // Any message handed back to us again means the queue is serving what we released: from now on
  // (until progress) new foreign messages are stepped over instead of released.
  const bool any_repeat = std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return seen_.count(id) > 0; });
  if (any_repeat && !made_progress) stepping_ = true;
  std::vector<std::optional<int>> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto [it, inserted] = seen_.try_emplace(id, 0);
    if (inserted) order_.push_back(id);
    const int n = ++it->second;
    if (n == 1) {
      // First sighting: give it straight back, unless we are stepping over a same-order queue.
      out.push_back(stepping_ ? std::nullopt : std::optional<int>(0));
    } else {
      // Seen before: step over it, longer each time. `hold` is what the receive already set.
      const long long delay = std::min<long long>(static_cast<long long>(hold_) << std::min(n - 2, 20), max_delay_);
      out.push_back(delay == hold_ ? std::nullopt : std::optional<int>(static_cast<int>(delay)));
    }
  }
  if (made_progress) stepping_ = false;
  while (order_.size() > memory_) {
    seen_.erase(order_.front());
    order_.pop_front();
  }
  return out;
}

} // namespace hookd::lifecycle
