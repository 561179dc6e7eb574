#pragma once
// SPDX-License-Identifier: Apache-2.0
// What an outsider can put in front of the soak's hookd: messages anyone who can send to the queue
// writes (invented tokens, tokens in hookd's own key formats and their old file-name spellings, a
// second hook, floods, unreadable and huge bodies), and files planted where the metrics go.
#include "support/messages.hpp"

#include <filesystem>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hookd::hostile {

/// A body naming `self` in `group` with `token` and `hook`: refused by Auto Scaling, never run.
inline std::string naming(const std::string& group, const std::string& self, const std::string& token,
                          const std::string& hook = "drain") {
  return test::lifecycle_message(token, hook, group, self);
}

/// One hostile body, or (a flood) many: each picked at random.
inline std::vector<std::string> hostile_bodies(std::mt19937_64& rng, const std::string& group, const std::string& self) {
  const auto id = std::to_string(rng());
  switch (rng() % 8) {
  case 0: return {naming(group, self, "forged-" + id)};
  case 1: return {std::string(1024 * 1024 - 64, '\x01')};
  case 2: return {"{\"EC2InstanceId\":\"" + self + "\",\"Time\":\"9999-12-31T23:59:59Z\""};
  case 3: return {naming(group, self, std::string("nul\0token", 9))};
  case 4: // hookd's own key for metadata actions, then and now, and its old file-name spelling
    return {naming(group, self, "instance:" + self + ":terminate"), naming(group, self, "instance:" + self + ":terminate:Terminated"),
            naming(group, self, "instance_" + self + "_terminate"), naming(group, self, "instance:" + self + ":terminate:spot")};
  case 5: return {naming(group, self, "forged-" + id, "second-hook"), naming(group, self, "forged2-" + id, "drain")};
  default: { // a flood naming us
    std::vector<std::string> out;
    const auto n = 20 + rng() % 60;
    for (std::size_t i = 0; i < n; ++i) out.push_back(naming(group, self, "flood-" + id + "-" + std::to_string(i)));
    return out;
  }
  }
}

/// Plants, at the metrics file's temporary name in `dir`, a symlink to `victim` or a FIFO. Returns
/// what it planted ("" when something was in the way already).
inline std::string plant(std::mt19937_64& rng, const std::filesystem::path& dir, const std::string& file_name,
                         const std::filesystem::path& victim) {
  const auto tmp = dir / ("." + file_name + ".tmp");
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(tmp, ec))) return "";
  if (rng() % 2) {
    std::filesystem::create_symlink(victim, tmp, ec);
    return ec ? "" : "symlink";
  }
  return ::mkfifo(tmp.c_str(), 0600) == 0 ? "fifo" : "";
}

} // namespace hookd::hostile
