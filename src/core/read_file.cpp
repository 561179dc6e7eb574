// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/read_file.hpp"

#include <fstream>
#include <sstream>

namespace hookd {

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt; // errno is still the open's
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace hookd
