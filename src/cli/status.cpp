// SPDX-License-Identifier: Apache-2.0
// `hookd status`: what the running hookd last wrote to its state file, the journal's pending
// actions, and one verdict. Exit 0 when healthy: the cron watchdog and operators rely on it.
#include "hookd/core/read_file.hpp"
#include "hookd/agent/journal.hpp"
#include "hookd/agent/status.hpp"
#include "hookd/cli/commands.hpp"
#include "hookd/cli/stack.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace hookd::cli {

namespace {
/// Whether a hookd holds STATE/hookd.lock: if this process can take it, none does.
bool hookd_running(const std::string& state_dir) {
  const int fd = ::open((state_dir + "/hookd.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

std::string ago(sys_time t, sys_time now) {
  return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - t)) + " ago";
}

// The state file is written when something changes, not at every poll: a source's poll times
// are those of its last change, so only a failure's age is shown.
void print_sources(const agent::status_snapshot& s, sys_time now) {
  for (const auto& src : s.sources) {
    std::string line = !src.last_poll ? "no poll yet" : src.last_error.empty() ? "ok" : "failing: " + src.last_error;
    if (!src.last_error.empty() && src.last_ok) line += " (last success " + ago(*src.last_ok, now) + ")";
    std::printf("source %-8s %s\n", src.name.c_str(), line.c_str());
  }
}

void print_action(const agent::status_snapshot& s, sys_time now) {
  if (!s.running) {
    std::printf("%-15s none running\n", "action");
    return;
  }
  const auto& r = *s.running;
  std::string line = r.transition + " hook=" + r.hook + " trigger=" + r.trigger + " running for " +
                     format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - r.started));
  if (!r.phase.empty())
    line += ", phase " + r.phase + " for " +
            format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - r.phase_started));
  if (r.next_heartbeat)
    line += ", next heartbeat in " + format_duration(std::max(std::chrono::milliseconds(0),
                                                              std::chrono::duration_cast<std::chrono::milliseconds>(*r.next_heartbeat - now)));
  std::printf("%-15s %s\n", "action", line.c_str());
}
} // namespace

int run_status(const config::parse_result& cfg, const env_lookup&) {
  const auto& dir = cfg.s.state_dir;
  const auto text = read_whole_file(dir + "/status.json");
  if (!text) {
    std::printf("UNHEALTHY: no state file in %s: hookd has not run with this --state-dir (or this user cannot read it: run as root)\n",
                dir.c_str());
    return exit_failure;
  }
  auto s = agent::parse_status_json(*text);
  if (!s) {
    std::printf("UNHEALTHY: %s/status.json: %s\n", dir.c_str(), s.error().message().c_str());
    return exit_failure;
  }
  const auto now = std::chrono::system_clock::now();
  const bool running = hookd_running(dir);
  std::printf("hookd %s, pid %ld (%s), started %s; instance %s, group %s; state last changed %s\n", s->version.c_str(), s->pid,
              running ? "running" : "not running", iso8601(s->started).c_str(), s->instance.c_str(), s->group.c_str(),
              ago(s->updated, now).c_str());
  print_sources(*s, now);
  print_action(*s, now);
  for (const auto& r : s->results)
    std::printf("%-15s %s %s hook=%s trigger=%s result=%s completed=%s script %s\n", "result", iso8601(r.finished).c_str(),
                r.transition.c_str(), r.hook.c_str(), r.trigger.c_str(), r.result.c_str(), r.completed.c_str(),
                format_duration(r.script_duration).c_str());
  std::vector<std::string> problems;
  const auto pending = agent::journal(dir).pending(problems);
  std::printf("%-15s %zu pending, %zu unreadable\n", "journal", pending.size(), problems.size());
  const auto h = agent::judge(*s, now, running);
  if (h.ok) std::printf("healthy\n");
  for (const auto& p : h.problems) std::printf("UNHEALTHY: %s\n", p.c_str());
  return h.ok ? exit_ok : exit_failure;
}

} // namespace hookd::cli
