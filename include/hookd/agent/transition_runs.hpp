#pragma once
// SPDX-License-Identifier: Apache-2.0
// The runner's "one run per transition" rule, pure: whether an action waits on the run its
// transition already has (attached: completed with that run's result, the script not run again)
// or needs a run of its own. It is asked for an action only once Auto Scaling has confirmed it
// (an action from instance metadata is the instance's own word): an action nobody confirmed
// changes nothing here, so a forged message cannot make a real one run twice, nor swallow it.
#include "hookd/lifecycle/notification.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hookd::agent {

/// What instance metadata (or, under a flood of messages naming us, the group's own state) said
/// about this instance: a leg of a transition (its target state) or a notice. Nothing in a queue
/// message becomes one.
struct instance_event {
  lifecycle::transition transition = lifecycle::transition::terminate;
  std::string trigger;  ///< imds, spot, rebalance, maintenance, group
  std::string target;   ///< "Terminated", "InService", "Warmed:Stopped", "spot", "rebalance:<time>", "maintenance:<id>"
  bool notice = false;  ///< rebalance or maintenance: the terminate script runs, no transition has begun
  std::optional<sys_time> must_end_by; ///< a Spot interruption's time
};

/// What one run of a transition's script came to; every action attached to it gets its result.
struct transition_run {
  bool finished = false;
  std::string result;
  bool instance_word = false;  ///< started from instance metadata (a target state or a Spot notice)
  std::string target;          ///< the leg it ran for (instance metadata's target state, "spot"); "" from the queue
  std::set<std::string> hooks; ///< the hooks whose actions this run has served
  int completing = 0;          ///< its own completions still in flight
  unsigned serial = 0;         ///< which run this is: a completion counts down only its own run
};

enum class run_choice { attach, own_run };

/// `run` is the transition's run (null when it has none). Rules:
/// - A run going takes every action of its transition.
/// - After a run from instance metadata, another signal of the same leg attaches; a termination
///   ("Terminated" or a Spot notice) is one leg, whichever said it first. A different leg (a warm
///   pool's launch into the pool, then into service) runs again.
/// - A queue action attaches to an ended run that has not served its hook (another hook of the same
///   transition), to a metadata run still completing by instance id (the same action, seen twice),
///   and to a metadata termination. The same hook again, live, is a new transition (Auto Scaling
///   makes one action per hook per transition), with a run of its own.
/// - An action from metadata attaches to an ended queue run of its transition unless it is a
///   warm-pool leg (the queue does not say which leg its run was).
run_choice choose_run(const transition_run* run, const lifecycle::lifecycle_action& a);

/// The instance's target state is now `target`: an ended run of another leg is of the past, and
/// the next signal of its transition is a new one. A queue run's leg is not known: it ends only
/// when the instance goes into a warm pool (for a termination, metadata's "Terminated" after the
/// queue's run is that same termination, and must attach).
void forget_other_legs(std::map<lifecycle::transition, transition_run>& runs, const std::string& target);

/// A leg that ends the instance: both say "this instance is being terminated".
bool final_leg(const std::string& target);
/// The target states of a warm pool ("Warmed:Stopped", ...).
bool warm_leg(const std::string& target);

/// A Spot interruption `left` away: the script's limit, cut so that it and its kill grace end 5 s
/// before it, never under a second (a script cut shorter does nothing useful), never over `limit`
/// (which may itself be under a second).
std::chrono::milliseconds limit_before(std::chrono::milliseconds left, std::chrono::milliseconds grace,
                                       std::chrono::milliseconds limit);

/// Whether DescribeAutoScalingInstances' `state` still shows the instance on its way into (or in)
/// the wait of `transition`'s leg `target`; any other state means the action is over.
bool still_in_transition(const std::string& state, lifecycle::transition transition, const std::string& target);

/// A transition the group's DescribeAutoScalingInstances state shows this instance waiting in, as
/// an instance event (trigger "group"); none for a steady state or a warm pool's leg (whose
/// direction the state does not tell).
std::optional<instance_event> event_of_group_state(const std::string& state);

/// An action by instance id waits on every hook of its transition: "a,b" (or none).
std::vector<std::string> hook_names(const std::string& joined);

} // namespace hookd::agent
