#pragma once
// SPDX-License-Identifier: Apache-2.0
// Bytes from a pipe into lines, with memory that stays flat whatever the script writes: a line is
// cut at `max_line` bytes (the rest of it counted, not kept), and only the last N lines are kept
// for the final report. Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <vector>
#include <functional>
#include <string>
#include <string_view>

namespace hookd::proc {

class line_splitter {
public:
  /// Called once per line, without its newline. `truncated` is true when the line was longer than
  /// `max_line`; `line` then holds its first `max_line` bytes.
  using sink = std::function<void(std::string_view line, bool truncated)>;

  line_splitter(std::size_t max_line, sink on_line);

  void feed(std::string_view bytes);
  /// Emits a partial last line (no trailing newline) if there is one.
  void flush();

  std::uint64_t lines() const noexcept { return lines_; }
  std::uint64_t dropped_bytes() const noexcept { return dropped_; }

private:
  void emit();

  std::size_t max_line_;
  sink on_line_;
  std::string partial_;
  bool overflowed_ = false; ///< the current line passed max_line: drop until the newline
  std::uint64_t lines_ = 0;
  std::uint64_t dropped_ = 0;
};

/// The last `capacity` lines as a ring whose strings are reused: pushing a line allocates nothing
/// once the ring is warm, so a script printing millions of lines costs no heap churn.
class tail_buffer {
public:
  explicit tail_buffer(std::size_t capacity) : slots_(capacity) {}
  /// Stores `prefix` + `line` (e.g. "stdout: " + the line).
  void push(std::string_view prefix, std::string_view line);
  void push(std::string_view line) { push({}, line); }
  /// Oldest first.
  std::vector<std::string> lines() const;
  std::size_t size() const noexcept { return count_; }

private:
  std::vector<std::string> slots_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

} // namespace hookd::proc
