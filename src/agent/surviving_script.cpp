// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/surviving_script.hpp"
#include "hookd/core/read_file.hpp"

#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <sstream>
#include <unistd.h>

namespace hookd::agent {

std::optional<proc_stat> parse_proc_stat(std::string_view line) {
  const auto close = line.rfind(')');
  if (close == std::string_view::npos || close + 2 > line.size()) return std::nullopt;
  std::istringstream rest{std::string(line.substr(close + 2))};
  // Field 3 is the state; 5 the process group, 6 the session, 22 the start time.
  std::string field;
  proc_stat st;
  long long pgrp = 0, session = 0;
  if (!(rest >> field >> field >> pgrp >> session)) return std::nullopt;
  for (int i = 7; i < 22 && rest >> field; ++i) {}
  if (!(rest >> st.start_ticks) || pgrp <= 0 || pgrp > (1 << 22) || session < 0 || session > (1 << 22)) return std::nullopt;
  st.pgrp = static_cast<int>(pgrp);
  st.session = static_cast<int>(session);
  return st;
}

bool proven_member(const script_record& rec, const proc_stat& st, std::string_view boot_id_now) {
  // Tick counts restart at every boot: without the same boot nothing is proven.
  if (rec.pgid <= 1 || rec.boot_id.empty() || rec.boot_id != boot_id_now) return false;
  // The script leads its own session (setsid): its children share that session unless they left
  // it, and none of them started before it.
  return st.pgrp == rec.pgid && st.session == rec.pgid && st.start_ticks >= rec.start_ticks;
}

std::string current_boot_id() {
  static const std::string id = [] { // one boot per process: read once
    auto text = read_whole_file("/proc/sys/kernel/random/boot_id").value_or("");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }();
  return id;
}

namespace {
std::optional<proc_stat> stat_of(const std::string& pid) {
  auto text = read_whole_file("/proc/" + pid + "/stat");
  if (!text) return std::nullopt;
  return parse_proc_stat(*text);
}

/// Whether any process in /proc is a proven member, and whether the group has any member at all.
std::pair<bool, bool> scan_members(const script_record& rec, const std::string& boot) {
  bool proven = false, any = false;
  DIR* d = ::opendir("/proc");
  if (!d) return {false, false};
  while (const auto* e = ::readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    const auto st = stat_of(e->d_name);
    if (!st || st->pgrp != rec.pgid) continue;
    any = true;
    if (proven_member(rec, *st, boot)) proven = true;
  }
  ::closedir(d);
  return {proven, any};
}
} // namespace

unsigned long long process_start_ticks(int pid) {
  if (pid <= 0) return 0;
  const auto st = stat_of(std::to_string(pid));
  return st ? st->start_ticks : 0;
}

survivor end_surviving_script(const script_record& rec) {
  if (rec.pgid <= 1) return survivor::none;
  const auto [proven, any] = scan_members(rec, current_boot_id());
  if (!any) return survivor::none;
  if (!proven) return survivor::unproven;
  ::kill(-rec.pgid, SIGTERM);
  for (int i = 0; i < 50 && ::kill(-rec.pgid, 0) == 0; ++i) ::usleep(20000); // at most a second
  ::kill(-rec.pgid, SIGKILL);
  return survivor::ended;
}

} // namespace hookd::agent
