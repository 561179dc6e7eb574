#pragma once
// SPDX-License-Identifier: Apache-2.0
// The INI dialect of ~/.aws/credentials and ~/.aws/config, parsed without I/O.
#include "hookd/core/error.hpp"

#include <map>
#include <string>
#include <string_view>

namespace hookd::aws {

struct ini_section {
  std::map<std::string, std::string, std::less<>> values;
  int line = 0; ///< where the section header is, for error messages
};

struct ini_file {
  std::string path; ///< for error messages only
  std::map<std::string, ini_section, std::less<>> sections;
};

/// Parses `[section]` headers, `key = value` lines, `#`/`;` comments and indented continuation
/// lines (the AWS config's nested `s3 =` blocks, kept as one value). Errors name file and line.
outcome<ini_file> parse_ini(std::string_view text, std::string path);

} // namespace hookd::aws
