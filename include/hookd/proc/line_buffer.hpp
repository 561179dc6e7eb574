#pragma once
// Bytes from a pipe into lines, with memory that stays flat whatever the script writes: a line is
// cut at `max_line` bytes (the rest of it counted, not kept), and only the last N lines are kept
// for the final report. Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <deque>
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

/// The last `capacity` lines, oldest first.
class tail_buffer {
public:
  explicit tail_buffer(std::size_t capacity) : capacity_(capacity) {}
  void push(std::string line);
  const std::deque<std::string>& lines() const noexcept { return lines_; }

private:
  std::size_t capacity_;
  std::deque<std::string> lines_;
};

} // namespace hookd::proc
