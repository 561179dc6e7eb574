// SPDX-License-Identifier: Apache-2.0
// The config file's KEY=VALUE syntax (a shell-like env file), apart from the settings it feeds.
#include "hookd/config/config.hpp"

namespace hookd::config {

outcome<std::vector<std::pair<std::string, std::pair<std::string, int>>>> parse_env_file(std::string_view text,
                                                                                       const std::string& path) {
  std::vector<std::pair<std::string, std::pair<std::string, int>>> out;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    auto trim_front = [](std::string_view s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
      return s;
    };
    line = trim_front(line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim_front(line.substr(7));
    const auto eq = line.find('=');
    auto fail = [&](const std::string& why) {
      return make_error(errc::invalid_input, path + ":" + std::to_string(line_no) + ": " + why);
    };
    if (eq == std::string_view::npos || eq == 0) return fail("expected KEY=VALUE (optionally prefixed by 'export ')");
    const std::string key(line.substr(0, eq));
    if (key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
      // Never echo the text: a line such as `export AWS_SESSION_TOKEN IQoJ...=` holds a secret.
      return fail("the text before '=' is not a variable name (letters, digits and _ only)");
    std::string_view raw = line.substr(eq + 1);
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      const char q = raw.front();
      std::size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        if (raw[i] == q) {
          closed = true;
          break;
        }
        if (q == '"' && raw[i] == '\\' && i + 1 < raw.size()) ++i;
        value.push_back(raw[i]);
      }
      if (!closed) return fail("unterminated " + std::string(q == '"' ? "double" : "single") + " quote");
      auto rest = trim_front(raw.substr(i + 1));
      if (!rest.empty() && rest.front() != '#') return fail("text after the closing quote");
    } else {
      const auto hash = raw.find(" #");
      value = std::string(raw.substr(0, hash));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    }
    out.emplace_back(key, std::pair{value, line_no});
  }
  return out;
}

} // namespace hookd::config
