#pragma once
// SPDX-License-Identifier: Apache-2.0
// One call at a time, taken in turns, where an urgent caller goes ahead of every ordinary one
// already waiting. The agent confirms each action of this instance with Auto Scaling through it:
// a real action is confirmed by its first call, a forged one only ever by retries, so first calls
// are urgent and a stream of forged messages cannot stand between ours and its answer; and one
// call at a time keeps such a stream to one connection and one caller of the account's shared
// Auto Scaling rate.
#include "hookd/core/async.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <deque>
#include <utility>

namespace hookd {

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

  explicit turns(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}
  turns(const turns&) = delete;
  turns& operator=(const turns&) = delete;

  /// Waits for this caller's turn: at once when nobody holds one, else after the holder and
  /// every caller of its class (and, for an ordinary one, every urgent one) waiting before it.
  boost::asio::awaitable<ticket> take(bool urgent) {
    if (!busy_) {
      busy_ = true;
      co_return ticket(this);
    }
    boost::asio::steady_timer woken(ex_, boost::asio::steady_timer::time_point::max());
    auto& line = urgent ? urgent_ : ordinary_;
    line.push_back(&woken);
    // A frame destroyed while waiting (its io_context torn down) must leave no pointer behind.
    struct leave {
      std::deque<boost::asio::steady_timer*>& line;
      boost::asio::steady_timer* self;
      ~leave() { std::erase(line, self); }
    } guard{line, &woken};
    co_await woken.async_wait(nothrow); // pass_on() cancels it and hands this caller the turn
    co_return ticket(this);
  }

  std::size_t waiting() const noexcept { return urgent_.size() + ordinary_.size(); }

private:
  void pass_on() {
    for (auto* line : {&urgent_, &ordinary_})
      if (!line->empty()) {
        auto* next = line->front();
        line->pop_front();
        next->cancel(); // busy_ stays set: the turn goes straight to it
        return;
      }
    busy_ = false;
  }

  boost::asio::any_io_executor ex_;
  bool busy_ = false;
  std::deque<boost::asio::steady_timer*> urgent_, ordinary_;
};

} // namespace hookd
