#pragma once
// SPDX-License-Identifier: Apache-2.0
// systemd's notify protocol without libsystemd (the binary is static): where to send, whether the
// watchdog is on, and what to say. Pure; sd_notifier does the sending.
//   - NOTIFY_SOCKET: an absolute path, or "@name" for the abstract namespace (the '@' stands for
//     a leading NUL byte).
//   - WATCHDOG_USEC: the watchdog is on when it is set and WATCHDOG_PID, if set, is our pid;
//     we ping at half of it.
//   - A datagram holds newline-separated assignments: READY=1, STATUS=..., STOPPING=1, WATCHDOG=1.
#include "hookd/agent/events.hpp"
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace hookd::notify {

/// The socket address as Asio's local endpoint takes it: a path, or a NUL byte then the name.
/// nullopt when NOTIFY_SOCKET is unset or empty; an error when it is neither form, or too long.
outcome<std::optional<std::string>> notify_socket_path(const env_lookup& env);

/// The ping period (half of WATCHDOG_USEC), when the watchdog is on for process `self`.
std::optional<std::chrono::microseconds> watchdog_period(const env_lookup& env, long self);

/// What the STATUS= line says about a phase, `running_for` after it began.
struct phase {
  agent::event_kind kind = agent::event_kind::idle; ///< idle, action_received..., draining, stopping
  std::string hook, transition, detail;
};
std::string status_text(const phase& p, std::chrono::seconds running_for);
/// The phase an event starts; nullopt when the event changes no phase (a notification-only event
/// such as a failure or a drain's result).
std::optional<phase> phase_of(const agent::event& e);

/// One datagram: the assignments joined by newlines. A STATUS= value loses its control bytes: a
/// newline in a hook's name must not become an assignment of its own.
std::string datagram(bool ready, bool stopping, bool watchdog, const std::optional<std::string>& status);

} // namespace hookd::notify
