#pragma once
// SPDX-License-Identifier: Apache-2.0
// A few calls at a time, taken in turns, where an urgent caller goes ahead of every ordinary one
// already waiting. The agent confirms each action of this instance with Auto Scaling through it:
// a real action is confirmed by its first call, a forged one only ever by retries, so first calls
// are urgent and a stream of forged messages cannot stand between ours and its answer. A few at
// once, not one: with a 50 ms round trip, 800 forged first calls one after another kept a real
// action from its first heartbeat for 40 s (issue 24); a few, not all: a flood stays a handful of
// connections and callers of the account's shared Auto Scaling rate.
#include "hookd/core/async.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

namespace hookd {

/// Single-threaded: every caller runs on the executor given at construction. Not thread-safe.
class turns {
public:
  /// Held for the length of one call; the next caller's turn begins when it goes.
  class ticket {
  public:
    explicit ticket(turns* t) : t_(t) {}
    ticket(ticket&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
    ticket& operator=(ticket&&) = delete;
    ~ticket() {
      if (t_) t_->pass_on();
    }

  private:
    turns* t_;
  };

  explicit turns(boost::asio::any_io_executor ex, std::size_t at_once = 1) : ex_(std::move(ex)), at_once_(std::max<std::size_t>(at_once, 1)) {}
  turns(const turns&) = delete;
  turns& operator=(const turns&) = delete;

  /// Waits for this caller's turn: at once when fewer than `at_once` are held and nobody waits,
  /// else after every caller of its class (and, for an ordinary one, every urgent one) waiting
  /// before it. nullopt when cancelled while waiting (its coroutine's cancellation slot).
  boost::asio::awaitable<std::optional<ticket>> take(bool urgent) {
    if (in_use_ < at_once_ && waiting() == 0) {
      ++in_use_;
      co_return ticket(this);
    }
    waiter w{boost::asio::steady_timer(ex_, boost::asio::steady_timer::time_point::max())};
    auto& line = urgent ? urgent_ : ordinary_;
    line.push_back(&w);
    // A frame destroyed while waiting (its io_context torn down) must leave no pointer behind.
    struct leave {
      std::deque<waiter*>& line;
      waiter* self;
      ~leave() { std::erase(line, self); }
    } guard{line, &w};
    co_await w.timer.async_wait(nothrow); // pass_on() cancels it
    if (!w.granted) co_return std::nullopt;
    co_return ticket(this); // in_use_ was counted for it by pass_on()
  }

  std::size_t waiting() const noexcept { return urgent_.size() + ordinary_.size(); }
  std::size_t in_use() const noexcept { return in_use_; }

private:
  struct waiter {
    boost::asio::steady_timer timer;
    bool granted = false;
  };

  void pass_on() {
    --in_use_;
    for (auto* line : {&urgent_, &ordinary_})
      if (!line->empty()) {
        auto* next = line->front();
        line->pop_front();
        next->granted = true;
        ++in_use_; // the turn goes straight to it
        next->timer.cancel();
        return;
      }
  }

  boost::asio::any_io_executor ex_;
  std::size_t at_once_;
  std::size_t in_use_ = 0;
  std::deque<waiter*> urgent_, ordinary_;
};

} // namespace hookd
