#pragma once
// SPDX-License-Identifier: Apache-2.0
// What the agent tells the outside as it works: one event per step of an action (received,
// confirmed, script started and finished, completed), drains, failures, and the agent's own
// phases (ready, idle, stopping). A sink fans them out to systemd (STATUS=, READY=1) and to the
// notifier (webhooks, SNS). Emitting is a plain call: a sink never blocks, never throws, and
// never does I/O in emit(); what it sends goes out later on the loop, so no event can delay an
// action, a heartbeat or a stop.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::agent {

enum class event_kind {
  // Steps of an action (each is also a notification).
  action_received,  ///< the runner took an action of this instance up (not yet confirmed)
  action_confirmed, ///< Auto Scaling confirmed it (a heartbeat with its token and our id)
  script_started,
  script_finished,  ///< `detail`: the outcome ("exit 0", "killed by SIGKILL ..."), `duration`: its run time
  action_completed, ///< `result`, `duration` (whole action), `detail`: completed | already-over | attached
  drain_result,     ///< a drain step (load balancer, ECS...): `detail` says which and how it ended
  failure,          ///< something an operator must hear of: `detail` says what and the fix
  test,             ///< `hookd check --check-notify`: a test delivery
  // Phases of the agent (systemd only: never a notification).
  ready,    ///< credentials work and every source's first poll succeeded
  idle,     ///< nothing running
  draining, ///< a drain step is under way (load balancer, ECS...): `detail` says which
  stopping, ///< stop requested: a running action may finish within its grace
};

/// "action_received", "script_finished"...: the `event` field of a notification document.
std::string_view kind_name(event_kind k);
/// Whether a kind is sent to webhooks and SNS (the phases are for systemd only).
bool is_notification(event_kind k);

/// One event. Fields that do not apply stay empty. `token` is the lifecycle action token, which
/// is not a credential (see ARCHITECTURE, "What hookd trusts"): empty for an action by instance id.
struct event {
  event_kind kind = event_kind::idle;
  std::string instance, group, hook, transition, trigger, token;
  std::string result; ///< CONTINUE / ABANDON
  std::string detail; ///< one line: an outcome, a failure and its fix, a drain's result
  std::optional<std::chrono::milliseconds> duration;
};

/// Receives events. `emit` is called on the loop's thread; it must return at once and never
/// throw (it is noexcept). Implementations queue what they send.
class event_sink {
public:
  virtual ~event_sink() = default;
  virtual void emit(const event& e) noexcept = 0;
};

/// Hands each event to every sink, in order. Holds pointers: the sinks outlive it.
class event_fan_out final : public event_sink {
public:
  void add(event_sink* s) {
    if (s) sinks_.push_back(s);
  }
  bool empty() const noexcept { return sinks_.empty(); }
  void emit(const event& e) noexcept override {
    for (auto* s : sinks_) s->emit(e);
  }

private:
  std::vector<event_sink*> sinks_;
};

} // namespace hookd::agent
