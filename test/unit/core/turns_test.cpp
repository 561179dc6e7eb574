// SPDX-License-Identifier: Apache-2.0
// turns and broadcast: who goes when, on one io_context with no clock involved.
#include "hookd/core/broadcast.hpp"
#include "hookd/core/turns.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace net = boost::asio;
using namespace hookd;

namespace {

/// Takes a turn, notes its name, and holds the turn until `release` is posted a few times.
net::awaitable<void> caller(turns& t, bool urgent, std::string name, std::vector<std::string>& order) {
  auto ticket = co_await t.take(urgent);
  order.push_back(name);
  for (int i = 0; i < 3; ++i) co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

TEST(turns, one_at_a_time_and_urgent_callers_go_ahead_of_ordinary_ones_already_waiting) {
  net::io_context ioc;
  turns t(ioc.get_executor());
  std::vector<std::string> order;
  net::co_spawn(ioc, caller(t, false, "holder", order), net::detached);
  net::co_spawn(ioc, caller(t, false, "retry-1", order), net::detached);
  net::co_spawn(ioc, caller(t, false, "retry-2", order), net::detached);
  net::co_spawn(ioc, caller(t, true, "first-1", order), net::detached);
  net::co_spawn(ioc, caller(t, true, "first-2", order), net::detached);
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"holder", "first-1", "first-2", "retry-1", "retry-2"}));
  EXPECT_EQ(t.waiting(), 0u);
}

TEST(turns, a_turn_given_back_with_nobody_waiting_is_free_for_the_next_caller_at_once) {
  net::io_context ioc;
  turns t(ioc.get_executor());
  std::vector<std::string> order;
  net::co_spawn(ioc, caller(t, false, "a", order), net::detached);
  ioc.run();
  ioc.restart();
  net::co_spawn(ioc, caller(t, false, "b", order), net::detached);
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
}

TEST(turns, a_waiter_destroyed_with_its_io_context_leaves_nothing_behind) {
  auto ioc = std::make_unique<net::io_context>();
  turns t(ioc->get_executor());
  std::vector<std::string> order;
  net::co_spawn(*ioc, caller(t, false, "holder", order), net::detached);
  net::co_spawn(*ioc, caller(t, true, "waiter", order), net::detached);
  ioc->run_one(); // the holder takes its turn; the waiter has not run yet or is queued
  ioc->run_one();
  ASSERT_EQ(t.waiting(), 1u);
  ioc.reset(); // frames destroyed mid-wait
  EXPECT_EQ(t.waiting(), 0u);
}

/// Takes a turn (or notes that it got none), and holds it until `release` is posted a few times.
net::awaitable<void> holder(turns& t, bool urgent, std::string name, std::vector<std::string>& order, int& held, int& most) {
  auto ticket = co_await t.take(urgent);
  if (!ticket) {
    order.push_back(name + ":none");
    co_return;
  }
  order.push_back(name);
  most = std::max(most, ++held);
  for (int i = 0; i < 3; ++i) co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
  --held;
}

TEST(turns, at_most_the_given_number_hold_a_turn_at_once_and_urgent_callers_still_go_first) {
  net::io_context ioc;
  turns t(ioc.get_executor(), 2);
  std::vector<std::string> order;
  int held = 0, most = 0;
  for (const auto* n : {"a", "b", "retry-1", "retry-2"}) net::co_spawn(ioc, holder(t, false, n, order, held, most), net::detached);
  net::co_spawn(ioc, holder(t, true, "first-1", order, held, most), net::detached);
  ioc.run();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "first-1", "retry-1", "retry-2"}));
  EXPECT_EQ(most, 2) << "two at once, never more";
  EXPECT_EQ(t.in_use(), 0u);
}

TEST(turns, a_waiter_cancelled_through_its_slot_leaves_the_line_without_a_turn) {
  net::io_context ioc;
  turns t(ioc.get_executor());
  std::vector<std::string> order;
  int held = 0, most = 0;
  net::cancellation_signal cancel;
  net::co_spawn(ioc, holder(t, false, "holder", order, held, most), net::detached);
  net::co_spawn(ioc, holder(t, true, "cancelled", order, held, most), net::bind_cancellation_slot(cancel.slot(), net::detached));
  net::co_spawn(ioc, holder(t, false, "next", order, held, most), net::detached);
  net::co_spawn(ioc, [&]() -> net::awaitable<void> { // runs once the three have started
    cancel.emit(net::cancellation_type::terminal);
    co_return;
  }, net::detached);
  ioc.run();
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<std::string>{"cancelled:none", "holder", "next"}));
  EXPECT_EQ(most, 1);
  EXPECT_EQ(t.waiting(), 0u);
  EXPECT_EQ(t.in_use(), 0u);
}

TEST(broadcast, wakes_every_waiter_and_two_waiters_do_not_wake_each_other) {
  net::io_context ioc;
  broadcast b(ioc.get_executor());
  int woken = 0;
  for (int i = 0; i < 2; ++i)
    net::co_spawn(ioc, [&]() -> net::awaitable<void> {
      co_await b.wait();
      ++woken;
    }, net::detached);
  // Both waiting: nothing runs on its own (a ping-pong between them would keep run() busy).
  EXPECT_GT(ioc.poll(), 0u);
  EXPECT_EQ(ioc.poll(), 0u);
  EXPECT_EQ(b.waiting(), 2u);
  EXPECT_EQ(woken, 0);
  b.notify_all();
  ioc.run();
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(b.waiting(), 0u);
}

} // namespace
