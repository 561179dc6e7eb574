// SPDX-License-Identifier: Apache-2.0
// A process group number from the journal proves nothing by itself: only a member of the same
// boot, in the script's own session, started no earlier than it, is taken for the script's.
#include "hookd/agent/journal.hpp"
#include "hookd/agent/surviving_script.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace hookd::agent;

TEST(surviving_script, proc_stat_is_read_past_a_command_name_with_spaces_and_parentheses) {
  const auto st = parse_proc_stat("4242 (sh (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pgrp, 4242);
  EXPECT_EQ(st->session, 4242);
  EXPECT_EQ(st->start_ticks, 987654u);
  EXPECT_FALSE(parse_proc_stat("4242 (sh) S 1"));
  EXPECT_FALSE(parse_proc_stat("garbage"));
  EXPECT_FALSE(parse_proc_stat(""));
}

TEST(surviving_script, only_a_member_of_the_same_boot_and_session_started_after_the_script_is_proven) {
  const script_record rec{4242, 1000, "boot-a"};
  EXPECT_TRUE(proven_member(rec, {4242, 4242, 1000}, "boot-a")) << "the leader itself";
  EXPECT_TRUE(proven_member(rec, {4242, 4242, 1500}, "boot-a")) << "a child it started";
  EXPECT_FALSE(proven_member(rec, {4242, 4242, 1500}, "boot-b")) << "after a reboot the number is anyone's";
  EXPECT_FALSE(proven_member(rec, {4242, 77, 1500}, "boot-a")) << "a group of another session";
  EXPECT_FALSE(proven_member(rec, {4242, 4242, 999}, "boot-a")) << "started before the script";
  EXPECT_FALSE(proven_member({4242, 1000, ""}, {4242, 4242, 1500}, "")) << "an entry that never said its boot proves nothing";
  EXPECT_FALSE(proven_member({1, 0, "boot-a"}, {1, 1, 5}, "boot-a")) << "never init's group";
}

TEST(surviving_script, a_group_whose_leader_is_gone_and_whose_number_is_now_another_s_is_left_alone) {
  // This test's own process group stands in for "another process's group of that number": the
  // journal says it was a script of another boot. Nothing may be signalled (the test would die).
  const script_record rec{static_cast<int>(::getpgrp()), 1, "some-other-boot"};
  EXPECT_EQ(end_surviving_script(rec), survivor::unproven);
  const script_record same_boot_old_start{static_cast<int>(::getpgrp()), ~0ull, current_boot_id()};
  EXPECT_EQ(end_surviving_script(same_boot_old_start), survivor::unproven) << "members all started before the recorded script";
  EXPECT_FALSE(current_boot_id().empty());
}
