// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/sd_notify.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::notify;
using namespace std::chrono_literals;

TEST(sd_notify, the_socket_is_a_path_or_an_abstract_name_with_a_leading_nul) {
  auto path = notify_socket_path(map_env({{"NOTIFY_SOCKET", "/run/systemd/notify"}}));
  ASSERT_TRUE(path && *path);
  EXPECT_EQ(**path, "/run/systemd/notify");
  auto abstract = notify_socket_path(map_env({{"NOTIFY_SOCKET", "@/org/freedesktop/systemd1/notify/1"}}));
  ASSERT_TRUE(abstract && *abstract);
  EXPECT_EQ(**abstract, std::string("\0/org/freedesktop/systemd1/notify/1", 35));
  auto unset = notify_socket_path(map_env({}));
  ASSERT_TRUE(unset);
  EXPECT_FALSE(*unset) << "unset: nothing of this runs";
  EXPECT_FALSE(*notify_socket_path(map_env({{"NOTIFY_SOCKET", ""}})));
  auto relative = notify_socket_path(map_env({{"NOTIFY_SOCKET", "run/notify"}}));
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message().find("NOTIFY_SOCKET"), std::string::npos);
  EXPECT_FALSE(notify_socket_path(map_env({{"NOTIFY_SOCKET", "/" + std::string(200, 'x')}})));
}

TEST(sd_notify, the_watchdog_is_ours_only_when_watchdog_pid_is_unset_or_our_pid) {
  EXPECT_EQ(watchdog_period(map_env({{"WATCHDOG_USEC", "30000000"}}), 42), std::chrono::microseconds(15000000));
  EXPECT_EQ(watchdog_period(map_env({{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", "42"}}), 42), 15s);
  EXPECT_FALSE(watchdog_period(map_env({{"WATCHDOG_USEC", "30000000"}, {"WATCHDOG_PID", "41"}}), 42))
      << "another process's watchdog (a parent's, inherited)";
  EXPECT_FALSE(watchdog_period(map_env({}), 42));
  EXPECT_FALSE(watchdog_period(map_env({{"WATCHDOG_USEC", "0"}}), 42));
  EXPECT_FALSE(watchdog_period(map_env({{"WATCHDOG_USEC", "30s"}}), 42));
  EXPECT_FALSE(watchdog_period(map_env({{"WATCHDOG_USEC", "100"}, {"WATCHDOG_PID", "x"}}), 42));
}

TEST(sd_notify, a_datagram_is_newline_separated_and_a_status_cannot_add_an_assignment) {
  EXPECT_EQ(datagram(true, false, false, std::string("idle")), "READY=1\nSTATUS=idle");
  EXPECT_EQ(datagram(false, true, false, std::string("stopping")), "STOPPING=1\nSTATUS=stopping");
  EXPECT_EQ(datagram(false, false, true, std::nullopt), "WATCHDOG=1");
  EXPECT_EQ(datagram(false, false, true, std::string("action for hook x\nREADY=1")), "STATUS=action for hook xREADY=1\nWATCHDOG=1");
}

TEST(sd_notify, the_status_names_the_phase_its_hook_and_how_long_a_script_has_run) {
  using k = agent::event_kind;
  EXPECT_EQ(status_text({k::idle, "", "", ""}, 0s), "idle: waiting for lifecycle actions");
  EXPECT_EQ(status_text({k::action_received, "drain", "terminate", ""}, 0s), "terminate action for hook drain");
  EXPECT_EQ(status_text({k::script_started, "drain", "terminate", ""}, 42s), "script running for 42 s for hook drain");
  EXPECT_EQ(status_text({k::draining, "", "", "target group web"}, 3s), "draining: target group web");
  EXPECT_EQ(status_text({k::stopping, "", "", ""}, 0s), "stopping");
}

TEST(sd_notify, notification_only_events_change_no_phase) {
  agent::event e;
  e.kind = agent::event_kind::failure;
  EXPECT_FALSE(phase_of(e));
  e.kind = agent::event_kind::action_completed;
  EXPECT_FALSE(phase_of(e)) << "the runner says idle itself, once it has nothing left";
  e.kind = agent::event_kind::script_started;
  e.hook = "drain";
  ASSERT_TRUE(phase_of(e));
  EXPECT_EQ(phase_of(e)->hook, "drain");
}
