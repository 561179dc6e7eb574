// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/ini.hpp"

namespace hookd::aws {
namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
} // namespace

outcome<ini_file> parse_ini(std::string_view text, std::string path) {
  ini_file out;
  out.path = std::move(path);
  ini_section* current = nullptr;
  std::string* last_value = nullptr;
  int line_no = 0;
  std::size_t pos = 0;
  auto fail = [&](const std::string& what) {
    return make_error(errc::invalid_input, out.path + ":" + std::to_string(line_no) + ": " + what);
  };
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const auto raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && last_value) { // continuation of a nested block such as `s3 =`
      last_value->append("\n").append(line);
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') return fail("section header '" + std::string(line) + "' is missing its ']'");
      const auto name = trim(line.substr(1, line.size() - 2));
      if (name.empty()) return fail("empty section name '[]'");
      current = &out.sections[std::string(name)];
      if (current->line == 0) current->line = line_no;
      last_value = nullptr;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      // The line itself is not echoed: a malformed line may hold a secret key.
      return fail("expected 'key = value' or '[section]' (line not shown: it may hold a secret)");
    if (!current) return fail("'key = value' before any [section] header");
    const auto key = trim(line.substr(0, eq));
    if (key.empty()) return fail("a line with '=' but no key");
    last_value = &(current->values[std::string(key)] = std::string(trim(line.substr(eq + 1))));
  }
  return out;
}

} // namespace hookd::aws
