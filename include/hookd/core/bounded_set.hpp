#pragma once
// SPDX-License-Identifier: Apache-2.0
// A set that forgets its oldest members past a capacity: what hookd remembers about messages and
// tokens (reported once, attempted) must stay flat over a year of uptime and 100,000 tokens.
#include <cstddef>
#include <deque>
#include <set>
#include <string>

namespace hookd {

class bounded_set {
public:
  explicit bounded_set(std::size_t capacity) : capacity_(capacity) {}

  /// True when `v` was not there (and is now); the oldest member goes past the capacity.
  bool insert(const std::string& v) {
    if (!members_.insert(v).second) return false;
    order_.push_back(v);
    while (order_.size() > capacity_) {
      members_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }
  bool contains(const std::string& v) const { return members_.count(v) > 0; }
  void erase(const std::string& v) {
    if (members_.erase(v)) std::erase(order_, v);
  }
  std::size_t size() const noexcept { return members_.size(); }
  const std::set<std::string>& members() const noexcept { return members_; }

private:
  std::size_t capacity_;
  std::set<std::string> members_;
  std::deque<std::string> order_;
};

} // namespace hookd
