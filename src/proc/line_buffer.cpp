#include "hookd/proc/line_buffer.hpp"

#include <algorithm>

namespace hookd::proc {

line_splitter::line_splitter(std::size_t max_line, sink on_line)
    : max_line_(std::max<std::size_t>(max_line, 1)), on_line_(std::move(on_line)) {
  partial_.reserve(std::min<std::size_t>(max_line_, 4096));
}

void line_splitter::emit() {
  ++lines_;
  if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back(); // CRLF from Windows-edited scripts
  on_line_(partial_, overflowed_);
  partial_.clear();
  overflowed_ = false;
}

void line_splitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto chunk = bytes.substr(0, nl);
    const auto room = max_line_ - partial_.size();
    if (chunk.size() <= room) {
      partial_.append(chunk);
    } else {
      partial_.append(chunk.substr(0, room));
      overflowed_ = true;
      dropped_ += chunk.size() - room;
    }
    if (nl == std::string_view::npos) return;
    emit();
    bytes.remove_prefix(nl + 1);
  }
}

void line_splitter::flush() {
  if (!partial_.empty() || overflowed_) emit();
}

void tail_buffer::push(std::string line) {
  if (capacity_ == 0) return;
  if (lines_.size() == capacity_) lines_.pop_front();
  lines_.push_back(std::move(line));
}

} // namespace hookd::proc
