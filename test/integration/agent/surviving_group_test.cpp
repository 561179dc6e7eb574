// SPDX-License-Identifier: Apache-2.0
// A process group whose leader is gone, with a member still running: the state a journal entry
// finds after a reboot (or when the kernel has handed its number to someone else). Only a record
// that proves the member is the script's may signal it.
#include "hookd/agent/surviving_script.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using hookd::agent::end_surviving_script;
using hookd::agent::survivor;
using hookd::agent::current_boot_id;
using hookd::agent::process_start_ticks;

namespace {

/// A new session and group whose leader exits at once, leaving a `sleep` in it. Returns the group.
pid_t orphaned_group() {
  const pid_t leader = ::fork();
  if (leader == 0) {
    ::setsid();
    if (::fork() == 0) {
      ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(leader, &status, 0);
  return leader;
}

/// Whether a live (not zombie) process is left in the group.
bool group_alive(pid_t pgid) {
  for (int i = 0; i < 100; ++i) { // the sleep is exec'd a moment after the leader exits
    if (::kill(-pgid, 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ::kill(-pgid, 0) == 0 && process_start_ticks(pgid) == 0; // the leader itself is gone
}

} // namespace

TEST(surviving_group, a_group_whose_leader_is_gone_is_not_signalled_on_a_record_of_another_boot) {
  const pid_t pgid = orphaned_group();
  ASSERT_TRUE(group_alive(pgid));
  EXPECT_EQ(end_surviving_script({pgid, 0, "a-boot-before-this-one"}), survivor::unproven);
  EXPECT_EQ(::kill(-pgid, 0), 0) << "an unrelated group was signalled";
  EXPECT_EQ(end_surviving_script({pgid, 0, ""}), survivor::unproven) << "an entry that never said its boot";
  EXPECT_EQ(::kill(-pgid, 0), 0);
  // Recorded in this boot, started no later than its member: the script's own, ended.
  EXPECT_EQ(end_surviving_script({pgid, 0, current_boot_id()}), survivor::ended);
  ::kill(-pgid, SIGKILL);
}
