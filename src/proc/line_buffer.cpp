// SPDX-License-Identifier: Apache-2.0
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

void tail_buffer::push(std::string_view prefix, std::string_view line) {
  if (slots_.empty()) return;
  auto& slot = slots_[next_];
  slot.assign(prefix);
  slot.append(line);
  next_ = (next_ + 1) % slots_.size();
  count_ = std::min(count_ + 1, slots_.size());
}

std::vector<std::string> tail_buffer::lines() const {
  std::vector<std::string> out;
  out.reserve(count_);
  const std::size_t start = (next_ + slots_.size() - count_) % std::max<std::size_t>(slots_.size(), 1);
  for (std::size_t i = 0; i < count_; ++i) out.push_back(slots_[(start + i) % slots_.size()]);
  return out;
}

} // namespace hookd::proc
