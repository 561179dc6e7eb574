#pragma once
// SPDX-License-Identifier: Apache-2.0
// What /proc says about this test process: open descriptors, resident memory, zombie children.
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace hookd::test {

inline int open_fd_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

/// Resident set size in KiB (VmRSS), or -1.
inline long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

/// The state letter of /proc/PID/stat and its parent pid; '\0' when the process does not exist.
inline std::pair<char, pid_t> process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return {'\0', 0};
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 4 > text.size()) return {'\0', 0};
  const char state = text[close + 2];
  const pid_t ppid = static_cast<pid_t>(std::stol(text.substr(close + 4)));
  return {state, ppid};
}

/// Children of this process that are zombies (exited, not reaped).
inline int zombie_children() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto [state, ppid] = process_state(static_cast<pid_t>(std::stol(name)));
    if (state == 'Z' && ppid == ::getpid()) ++n;
  }
  return n;
}

/// Gone, or a zombie that is no longer ours (reparented to init): either way, not running.
inline bool process_gone(pid_t pid) {
  auto [state, ppid] = process_state(pid);
  return state == '\0' || state == 'Z' || state == 'X';
}

} // namespace hookd::test
