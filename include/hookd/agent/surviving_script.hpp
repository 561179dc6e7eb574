#pragma once
// SPDX-License-Identifier: Apache-2.0
// A script process group that outlived an earlier hookd (SIGKILL, OOM) is ended before its action
// is taken up again, so two copies never run side by side. The journal names the group by number,
// and a number proves nothing on its own: after a reboot, or once the group is gone, the kernel
// hands it to anyone. So a group is signalled only when one of its members is shown to be the
// script's: same boot, same session (the script called setsid), started no earlier than it.
#include <optional>
#include <string>
#include <string_view>

namespace hookd::agent {

/// The fields of /proc/PID/stat that tell a process apart.
struct proc_stat {
  int pgrp = 0;
  int session = 0;
  unsigned long long start_ticks = 0; ///< clock ticks since boot
};
/// Parses one /proc/PID/stat line (the command name may hold spaces and parentheses). Pure.
std::optional<proc_stat> parse_proc_stat(std::string_view line);

/// What the journal recorded of a running script.
struct script_record {
  int pgid = 0;
  unsigned long long start_ticks = 0;
  std::string boot_id; ///< /proc/sys/kernel/random/boot_id when it started; empty in old entries
};

/// Whether a process (its stat) is a member of the recorded script's group that the record
/// proves to be the script's. Pure.
bool proven_member(const script_record& rec, const proc_stat& st, std::string_view boot_id_now);

/// This boot's id, or "" where the kernel does not say.
std::string current_boot_id();
/// The start time of a process (field 22 of /proc/PID/stat), or 0 when it does not exist.
unsigned long long process_start_ticks(int pid);

enum class survivor { none, ended, unproven };
/// Ends the recorded group, TERM then KILL (waiting at most a second: start-up only), when a
/// member is proven the script's; `unproven` when the group exists but none is.
survivor end_surviving_script(const script_record& rec);

} // namespace hookd::agent
