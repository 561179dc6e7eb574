#pragma once
// SPDX-License-Identifier: Apache-2.0
// One line per event, to stderr or a file (cron redirects stderr; SIGHUP reopens the file for
// logrotate). Text is `TIME LEVEL event key=value ...`; JSON is one object per line. Values are
// whatever the caller passes: secrets never reach here because secret_string cannot be printed.
#include <cstdio>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace hookd {

/// Length of the valid UTF-8 sequence starting at `s[i]` (1-4), or 0 when the byte there does
/// not start one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

enum class log_level { debug, info, warn, error };

class logger {
public:
  struct field {
    std::string_view key;
    std::string value;
  };

  logger(log_level min, bool json, std::string path = {});
  ~logger();
  logger(const logger&) = delete;
  logger& operator=(const logger&) = delete;

  /// Opens (or reopens, after logrotate moved it) the log file; false with `error` set on failure.
  bool reopen(std::string& error);
  /// Every line also goes here (tests, `make demo`'s summary).
  void set_tap(std::function<void(std::string_view line)> tap) { tap_ = std::move(tap); }

  void log(log_level lvl, std::string_view event, std::initializer_list<field> fields = {});
  void debug(std::string_view e, std::initializer_list<field> f = {}) { log(log_level::debug, e, f); }
  void info(std::string_view e, std::initializer_list<field> f = {}) { log(log_level::info, e, f); }
  void warn(std::string_view e, std::initializer_list<field> f = {}) { log(log_level::warn, e, f); }
  void error(std::string_view e, std::initializer_list<field> f = {}) { log(log_level::error, e, f); }

  /// Formats one line without writing it (unit tests).
  std::string format(log_level lvl, std::string_view event, std::initializer_list<field> fields) const;

private:
  log_level min_;
  bool json_;
  std::string path_;
  std::FILE* out_ = stderr;
  std::function<void(std::string_view)> tap_;
};

/// The completion handler's half of a detached coroutine: an exception that escaped it is a bug,
/// logged with where it happened, never a crash of hookd.
void log_escaped(logger& log, std::exception_ptr e, const char* where);

} // namespace hookd
