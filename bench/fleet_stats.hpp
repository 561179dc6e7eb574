#pragma once
// SPDX-License-Identifier: Apache-2.0
// The fleet bench's accounting, kept apart from its processes and sockets: what happened to each
// lifecycle message, read from the emulator's record of it.
#include "hookd/emulator/emulator.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hookd::fleet {
using steady = std::chrono::steady_clock;

struct message_story {
  std::optional<steady::time_point> owner_received; ///< the owner's first receive
  int others_first = 0;                              ///< receives by other agents before that
  std::chrono::milliseconds hidden_by_others{0};     ///< time it was invisible in their hands before that
  bool wrong_delete = false;                         ///< deleted by an agent that does not own it
};

/// `owner_key`: the access key id of the instance the message names.
inline message_story story_of(const emulator::message_history& h, const std::string& owner_key) {
  message_story s;
  std::optional<steady::time_point> hidden_until;
  std::string holder;
  steady::time_point last = h.sent;
  for (const auto& e : h.events) {
    if (!s.owner_received && hidden_until && holder != owner_key) {
      const auto end = std::min(e.at, *hidden_until);
      if (end > last) s.hidden_by_others += std::chrono::duration_cast<std::chrono::milliseconds>(end - last);
    }
    last = e.at;
    if (e.what == emulator::message_event::deleted && e.key_id != owner_key) s.wrong_delete = true;
    if (e.what == emulator::message_event::received) {
      if (e.key_id == owner_key && !s.owner_received) s.owner_received = e.at;
      if (!s.owner_received) ++s.others_first;
      holder = e.key_id;
      hidden_until = e.at + std::chrono::seconds(e.seconds);
    } else if (e.what == emulator::message_event::released) {
      hidden_until = e.at + std::chrono::seconds(e.seconds);
    }
  }
  return s;
}

struct distribution {
  double p50 = 0, p90 = 0, max = 0;
  std::size_t n = 0;
};

inline distribution distribution_of(std::vector<double> v) {
  distribution d;
  d.n = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5))]; };
  d.p50 = at(0.5);
  d.p90 = at(0.9);
  d.max = v.back();
  return d;
}

} // namespace hookd::fleet
