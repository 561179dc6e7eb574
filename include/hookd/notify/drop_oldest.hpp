#pragma once
// SPDX-License-Identifier: Apache-2.0
// A FIFO of at most `capacity` items that makes room by dropping its oldest item, and counts
// what it dropped. Notifications use it: when an endpoint is down for long, the newest events
// (what is happening now) matter more than old ones, and memory stays bounded. Pure.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace hookd::notify {

template <class T>
class drop_oldest_queue {
public:
  explicit drop_oldest_queue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  /// Appends `item`; false when the oldest item was dropped to make room.
  bool push(T item) {
    bool room = true;
    if (items_.size() >= capacity_) {
      items_.pop_front();
      ++dropped_;
      room = false;
    }
    items_.push_back(std::move(item));
    return room;
  }
  /// The oldest item, taken out; nullopt when empty.
  std::optional<T> pop() {
    if (items_.empty()) return std::nullopt;
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  /// Items dropped since construction.
  std::uint64_t dropped() const noexcept { return dropped_; }

private:
  std::size_t capacity_;
  std::deque<T> items_;
  std::uint64_t dropped_ = 0;
};

} // namespace hookd::notify
