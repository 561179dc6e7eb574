#pragma once
// SPDX-License-Identifier: Apache-2.0
// What a state directory's journal holds, for tests that check it was left or cleared: entries,
// not the blank spare that a new entry fills (agent::journal) nor a temporary file.
#include "hookd/agent/journal.hpp"
#include "hookd/core/read_file.hpp"

#include <filesystem>
#include <string>

namespace hookd::test {

inline std::size_t journal_entries(const std::filesystem::path& state_dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(state_dir / "journal", ec)) {
    const auto name = f.path().filename().string();
    if (name == agent::journal::spare_name) {
      n += !agent::journal::blank(read_whole_file(f.path().string()).value_or("")); // a filled spare is an entry
    } else if (!name.empty() && name[0] != '.') {
      ++n;
    }
  }
  return n;
}

} // namespace hookd::test
