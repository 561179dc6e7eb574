// SPDX-License-Identifier: Apache-2.0
#include "hookd/proc/line_buffer.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace hookd::proc;

namespace {
struct collected {
  std::vector<std::pair<std::string, bool>> lines;
  line_splitter::sink sink() {
    return [this](std::string_view l, bool t) { lines.emplace_back(std::string(l), t); };
  }
};
} // namespace

TEST(line_splitter, splits_across_feeds_and_flushes_partial_last_line) {
  collected c;
  line_splitter s(100, c.sink());
  s.feed("one\ntw");
  s.feed("o\r\nthr");
  s.feed("ee");
  EXPECT_EQ(c.lines.size(), 2u);
  s.flush();
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_EQ(c.lines[0].first, "one");
  EXPECT_EQ(c.lines[1].first, "two");
  EXPECT_EQ(c.lines[2].first, "three");
  EXPECT_EQ(s.lines(), 3u);
  s.flush();
  EXPECT_EQ(c.lines.size(), 3u) << "nothing pending: flush emits nothing";
}

TEST(line_splitter, empty_lines_are_lines) {
  collected c;
  line_splitter s(10, c.sink());
  s.feed("\n\n");
  EXPECT_EQ(c.lines.size(), 2u);
}

TEST(line_splitter, long_lines_are_cut_and_the_rest_counted_not_kept) {
  collected c;
  line_splitter s(4, c.sink());
  s.feed("abcdefgh");
  s.feed("ijk\nxy\n");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], (std::pair<std::string, bool>{"abcd", true}));
  EXPECT_EQ(c.lines[1], (std::pair<std::string, bool>{"xy", false}));
  EXPECT_EQ(s.dropped_bytes(), 7u);
}

TEST(line_splitter, giant_line_without_newline_is_flushed_truncated) {
  collected c;
  line_splitter s(8, c.sink());
  for (int i = 0; i < 1000; ++i) s.feed(std::string(1000, 'x'));
  s.flush();
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].first, "xxxxxxxx");
  EXPECT_TRUE(c.lines[0].second);
  EXPECT_EQ(s.dropped_bytes(), 1000u * 1000u - 8u);
}

TEST(tail_buffer, keeps_the_last_n) {
  tail_buffer t(3);
  for (int i = 0; i < 10; ++i) t.push(std::to_string(i));
  EXPECT_EQ(t.lines(), (std::vector<std::string>{"7", "8", "9"}));
  tail_buffer partial(5);
  partial.push("out: ", "a");
  partial.push("err: ", "b");
  EXPECT_EQ(partial.lines(), (std::vector<std::string>{"out: a", "err: b"}));
  tail_buffer none(0);
  none.push("x");
  EXPECT_TRUE(none.lines().empty());
}
