// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/log.hpp"

#include "hookd/core/time.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hookd {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned min = 0;
  if ((c & 0xe0) == 0xc0) n = 2, min = 0x80;
  else if ((c & 0xf0) == 0xe0) n = 3, min = 0x800;
  else if ((c & 0xf8) == 0xf0) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned cp = c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

namespace {
std::string_view level_name(log_level l) {
  switch (l) {
  case log_level::debug: return "debug";
  case log_level::info: return "info";
  case log_level::warn: return "warn";
  case log_level::error: return "error";
  }
  return "?";
}

void hex_escape(std::string& out, unsigned char c) {
  static constexpr char digits[] = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 15];
}

/// The code point of the valid UTF-8 sequence of length n at s[i].
unsigned code_point(std::string_view s, std::size_t i, std::size_t n) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(s[i + k])); };
  if (n == 1) return b(0);
  unsigned cp = b(0) & (0x7fu >> n);
  for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(k) & 0x3fu);
  return cp;
}

/// Characters that end or rewrite a line although they are valid UTF-8: the C1 controls
/// (U+0080..U+009F: NEL U+0085 is a line break to some viewers, U+009B is CSI to a terminal) and
/// the Unicode line and paragraph separators U+2028 and U+2029 (issue 24, defect 11).
bool forges_line(unsigned cp) { return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029; }

void u_escape(std::string& out, unsigned cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
}

std::string quote_text(std::string_view v) {
  // What a message or a script prints must not forge a line: every control character (CR, ESC,
  // NUL...) and every byte that is not valid UTF-8 is escaped, and such a value is quoted.
  bool plain = !v.empty();
  for (std::size_t i = 0; plain && i < v.size();) {
    const auto n = utf8_sequence_length(v, i);
    const auto c = static_cast<unsigned char>(v[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7f || c == ' ' || c == '=' || c == '"' || c == '\\')) ||
        (n > 1 && forges_line(code_point(v, i, n))))
      plain = false;
    i += n ? n : 1;
  }
  if (plain) return std::string(v);
  std::string out = "\"";
  for (std::size_t i = 0; i < v.size();) {
    const auto n = utf8_sequence_length(v, i);
    const auto c = static_cast<unsigned char>(v[i]);
    if (n > 1 && forges_line(code_point(v, i, n))) u_escape(out, code_point(v, i, n));
    else if (n > 1) out.append(v.substr(i, n));
    else if (n == 0) hex_escape(out, c);
    else if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) hex_escape(out, c);
    else out += static_cast<char>(c);
    i += n ? n : 1;
  }
  return out + "\"";
}

std::string json_string(std::string_view v) {
  // Boost.JSON escapes control characters but passes bytes through: invalid UTF-8 becomes U+FFFD
  // first, so every line stays valid JSON. It passes the C1 controls and U+2028/U+2029 through
  // as they are, so those are written as \uXXXX here (still valid JSON, and no forged line in a
  // terminal that shows the file).
  std::string clean;
  clean.reserve(v.size());
  for (std::size_t i = 0; i < v.size();) {
    const auto n = utf8_sequence_length(v, i);
    if (n == 0) clean += "\xEF\xBF\xBD";
    else clean.append(v.substr(i, n));
    i += n ? n : 1;
  }
  const auto quoted = boost::json::serialize(boost::json::string(clean));
  std::string out;
  out.reserve(quoted.size());
  for (std::size_t i = 0; i < quoted.size();) {
    const auto n = utf8_sequence_length(quoted, i);
    const auto len = n ? n : 1;
    if (n > 1 && forges_line(code_point(quoted, i, n))) u_escape(out, code_point(quoted, i, n));
    else out.append(quoted, i, len);
    i += len;
  }
  return out;
}
} // namespace

logger::logger(log_level min, bool json, std::string path) : min_(min), json_(json), path_(std::move(path)) {}

logger::~logger() {
  if (out_ && out_ != stderr) std::fclose(out_);
}

bool logger::reopen(std::string& error) {
  if (path_.empty()) return true;
  std::FILE* f = std::fopen(path_.c_str(), "ae"); // append, close-on-exec: scripts never inherit it
  if (!f) {
    error = "cannot open log file " + path_ + ": " + std::strerror(errno);
    return false;
  }
  if (out_ && out_ != stderr) std::fclose(out_);
  out_ = f;
  std::setvbuf(out_, nullptr, _IOLBF, 0);
  return true;
}

std::string logger::format(log_level lvl, std::string_view event, std::initializer_list<field> fields) const {
  const auto now = iso8601(std::chrono::system_clock::now());
  std::string line;
  if (json_) {
    line = "{\"time\":\"" + now + "\",\"level\":\"" + std::string(level_name(lvl)) + "\",\"event\":" + json_string(event);
    for (const auto& f : fields) line += "," + json_string(f.key) + ":" + json_string(f.value);
    line += "}";
  } else {
    line = now + " " + std::string(level_name(lvl)) + " " + std::string(event);
    for (const auto& f : fields) line += " " + std::string(f.key) + "=" + quote_text(f.value);
  }
  return line;
}

void logger::log(log_level lvl, std::string_view event, std::initializer_list<field> fields) {
  if (lvl < min_) return;
  const auto line = format(lvl, event, fields);
  if (tap_) tap_(line);
  auto* out = out_ ? out_ : stderr;
  std::fwrite(line.data(), 1, line.size(), out); // never %s: a NUL would cut the line
  std::fputc('\n', out);
  std::fflush(out_ ? out_ : stderr);
}

void log_escaped(logger& log, std::exception_ptr e, const char* where) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log.error("internal-error", {{"where", where}, {"error", ex.what()}});
  }
}

} // namespace hookd
