// SPDX-License-Identifier: Apache-2.0
// The watchdog pings come from the event loop itself: a loop held up on purpose sends none.
#include "hookd/notify/sd_notifier.hpp"
#include "support/notify_socket.hpp"
#include "support/run_awaitable.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <thread>

using namespace hookd;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {

std::size_t pings(const test::notify_socket& s) {
  std::size_t n = 0;
  for (const auto& a : s.assignments()) n += a == "WATCHDOG=1";
  return n;
}

/// Runs the loop until `done()` holds (polled every millisecond), bounded by `at_most`.
void run_until(net::io_context& ioc, const std::function<bool()>& done, std::chrono::milliseconds at_most) {
  const auto end = std::chrono::steady_clock::now() + at_most;
  while (!done() && std::chrono::steady_clock::now() < end) ioc.run_for(1ms);
}

class sd_notifier_test : public testing::TestWithParam<bool> {
protected:
  net::io_context ioc{1};
  std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / ("hookd-sd-" + std::to_string(::getpid()));
  logger log{log_level::error, false};
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_P(sd_notifier_test, a_blocked_loop_stops_the_watchdog_pings_and_they_resume_after) {
  test::notify_socket sock(ioc.get_executor(), dir, GetParam());
  sock.start();
  auto sd = notify::sd_notifier::from_env(ioc.get_executor(),
                                          map_env({{"NOTIFY_SOCKET", sock.name()}, {"WATCHDOG_USEC", "20000"}}), ::getpid(), log);
  ASSERT_TRUE(sd && *sd);
  ASSERT_TRUE((*sd)->watchdog_on());
  (*sd)->start();
  run_until(ioc, [&] { return pings(sock) >= 3; }, 10s);
  ASSERT_GE(pings(sock), 3u) << "pings every 10 ms while the loop runs";

  // The loop is held up for fifty ping periods: a ping sent from anywhere but the loop would
  // reach the socket meanwhile.
  std::size_t during = 99;
  net::post(ioc, [&] {
    sock.drain_now(); // whatever was sent before the freeze
    std::this_thread::sleep_for(500ms); // the frozen loop: the point of this test, not a wait
    during = sock.drain_now();
  });
  run_until(ioc, [&] { return during != 99; }, 10s);
  EXPECT_EQ(during, 0u) << "no WATCHDOG=1 while the loop is stuck";

  const auto before = pings(sock);
  run_until(ioc, [&] { return pings(sock) >= before + 3; }, 10s);
  EXPECT_GE(pings(sock), before + 3) << "the pings resume with the loop";
  (*sd)->close();
}

TEST_P(sd_notifier_test, ready_status_and_stopping_go_in_order_and_status_is_spaced) {
  test::notify_socket sock(ioc.get_executor(), dir, GetParam());
  sock.start();
  auto sd = notify::sd_notifier::from_env(ioc.get_executor(), map_env({{"NOTIFY_SOCKET", sock.name()}}), ::getpid(), log);
  ASSERT_TRUE(sd && *sd);
  EXPECT_FALSE((*sd)->watchdog_on());
  (*sd)->start();
  agent::event e;
  e.kind = agent::event_kind::ready;
  (*sd)->emit(e);
  (*sd)->emit(e); // READY=1 once
  for (int i = 0; i < 20; ++i) { // a burst of phase changes within status_spacing
    e.kind = agent::event_kind::action_received;
    e.hook = "h" + std::to_string(i);
    (*sd)->emit(e);
  }
  run_until(ioc, [&] { return sock.first("STATUS=terminate") >= 0 || sock.first("STATUS=action for hook h19") >= 0; }, 5s);
  e.kind = agent::event_kind::stopping;
  (*sd)->emit(e);
  run_until(ioc, [&] { return sock.first("STOPPING=1") >= 0; }, 5s);
  (*sd)->close();
  const auto a = sock.assignments();
  ASSERT_GE(a.size(), 4u);
  EXPECT_EQ(a[0], "READY=1");
  EXPECT_EQ(sock.first("READY=1", 1), -1) << "READY=1 is sent once";
  EXPECT_EQ(a[a.size() - 2], "STOPPING=1");
  EXPECT_LE(sock.datagrams.size(), std::size_t(notify::sd_notifier::status_burst) + 3)
      << "20 changes within a second: READY, a burst of STATUS, then the latest one, then STOPPING";
  EXPECT_GE(sock.first("STATUS=action for hook h19"), 0) << "the last phase is the one reported";
}

INSTANTIATE_TEST_SUITE_P(socket, sd_notifier_test, testing::Values(false, true),
                         [](const auto& p) { return p.param ? "abstract" : "path"; });

} // namespace
