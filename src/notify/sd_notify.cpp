// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/sd_notify.hpp"

#include <charconv>
#include <sys/un.h>

namespace hookd::notify {

outcome<std::optional<std::string>> notify_socket_path(const env_lookup& env) {
  auto v = env("NOTIFY_SOCKET");
  if (!v || v->empty()) return std::optional<std::string>{};
  if ((*v)[0] != '/' && (*v)[0] != '@')
    return make_error(errc::invalid_input, "NOTIFY_SOCKET must be an absolute path or an @abstract name (set by systemd)");
  if (v->size() >= sizeof(sockaddr_un{}.sun_path))
    return make_error(errc::invalid_input, "NOTIFY_SOCKET is longer than a unix socket address can be");
  std::string path = *v;
  if (path[0] == '@') path[0] = '\0';
  return std::optional<std::string>{std::move(path)};
}

std::optional<std::chrono::microseconds> watchdog_period(const env_lookup& env, long self) {
  const auto usec = env("WATCHDOG_USEC");
  if (!usec) return std::nullopt;
  unsigned long long n = 0;
  auto [p, ec] = std::from_chars(usec->data(), usec->data() + usec->size(), n);
  if (ec != std::errc{} || p != usec->data() + usec->size() || n == 0) return std::nullopt;
  if (const auto pid = env("WATCHDOG_PID"); pid && !pid->empty()) {
    long owner = 0;
    auto [q, ec2] = std::from_chars(pid->data(), pid->data() + pid->size(), owner);
    if (ec2 != std::errc{} || q != pid->data() + pid->size() || owner != self) return std::nullopt; // another process's watchdog
  }
  return std::chrono::microseconds(static_cast<long long>(n / 2));
}

std::string status_text(const phase& p, std::chrono::seconds running_for) {
  using k = agent::event_kind;
  const std::string hook = p.hook.empty() ? std::string() : " for hook " + p.hook;
  switch (p.kind) {
  case k::idle: return "idle: waiting for lifecycle actions";
  case k::ready: return "ready: waiting for lifecycle actions";
  case k::action_received:
  case k::action_confirmed: return (p.transition.empty() ? std::string("action") : p.transition + " action") + hook;
  case k::script_started:
    return "script running for " + std::to_string(running_for.count()) + " s" + hook;
  case k::script_finished: return "completing the action" + hook;
  case k::draining: return "draining" + (p.detail.empty() ? std::string() : ": " + p.detail);
  case k::stopping: return "stopping";
  default: return std::string(agent::kind_name(p.kind));
  }
}

std::optional<phase> phase_of(const agent::event& e) {
  using k = agent::event_kind;
  switch (e.kind) {
  case k::failure:
  case k::drain_result:
  case k::action_completed: return std::nullopt; // the runner says `idle` once it has nothing left
  default: return phase{e.kind, e.hook, e.transition, e.detail};
  }
}

std::string datagram(bool ready, bool stopping, bool watchdog, const std::optional<std::string>& status) {
  std::string out;
  const auto add = [&out](const std::string& line) { out += (out.empty() ? "" : "\n") + line; };
  if (ready) add("READY=1");
  if (stopping) add("STOPPING=1");
  if (status) {
    std::string clean;
    for (char c : *status)
      if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
    add("STATUS=" + clean);
  }
  if (watchdog) add("WATCHDOG=1");
  return out;
}

} // namespace hookd::notify
