// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/events.hpp"

namespace hookd::agent {

std::string_view kind_name(event_kind k) {
  switch (k) {
  case event_kind::action_received: return "action_received";
  case event_kind::action_confirmed: return "action_confirmed";
  case event_kind::script_started: return "script_started";
  case event_kind::script_finished: return "script_finished";
  case event_kind::action_completed: return "action_completed";
  case event_kind::drain_result: return "drain_result";
  case event_kind::failure: return "failure";
  case event_kind::test: return "test";
  case event_kind::ready: return "ready";
  case event_kind::idle: return "idle";
  case event_kind::draining: return "draining";
  case event_kind::stopping: return "stopping";
  }
  return "unknown";
}

bool is_notification(event_kind k) {
  switch (k) {
  case event_kind::ready:
  case event_kind::idle:
  case event_kind::draining:
  case event_kind::stopping: return false;
  default: return true;
  }
}

} // namespace hookd::agent
