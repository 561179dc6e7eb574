#include "hookd/core/log.hpp"

#include "hookd/core/time.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cerrno>
#include <cstring>

namespace hookd {
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

std::string quote_text(std::string_view v) {
  const bool plain = !v.empty() && v.find_first_of(" =\"\n\t\\") == std::string_view::npos;
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + "\"";
}

std::string json_string(std::string_view v) { return boost::json::serialize(boost::json::string(v)); }
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
  std::fprintf(out_ ? out_ : stderr, "%s\n", line.c_str());
  std::fflush(out_ ? out_ : stderr);
}

} // namespace hookd
