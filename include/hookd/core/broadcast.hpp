#pragma once
// SPDX-License-Identifier: Apache-2.0
// Wakes every coroutine waiting for some state to change; each re-checks the state itself. Each
// waits on a timer of its own: re-arming one shared timer would cancel the other waiters, which
// then re-arm it in turn, and two of them would wake each other for ever.
#include "hookd/core/async.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <vector>

namespace hookd {

class broadcast {
public:
  explicit broadcast(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}
  broadcast(const broadcast&) = delete;
  broadcast& operator=(const broadcast&) = delete;

  /// Returns at the next notify_all(), or at `until`.
  boost::asio::awaitable<void> wait(boost::asio::steady_timer::time_point until = boost::asio::steady_timer::time_point::max()) {
    boost::asio::steady_timer woken(ex_, until);
    waiters_.push_back(&woken);
    struct leave { // a frame destroyed while waiting must leave no pointer behind
      std::vector<boost::asio::steady_timer*>& waiters;
      boost::asio::steady_timer* self;
      ~leave() { std::erase(waiters, self); }
    } guard{waiters_, &woken};
    co_await woken.async_wait(nothrow);
  }

  void notify_all() {
    for (auto* w : waiters_) w->cancel();
    waiters_.clear();
  }

  std::size_t waiting() const noexcept { return waiters_.size(); }

private:
  boost::asio::any_io_executor ex_;
  std::vector<boost::asio::steady_timer*> waiters_;
};

} // namespace hookd
