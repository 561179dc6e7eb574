// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <utility>

using namespace hookd;
using namespace std::string_literals;

TEST(log, text_lines_cannot_be_forged_by_control_characters) {
  logger l(hookd::log_level::debug, false);
  const auto line = l.format(hookd::log_level::info, "script-output", {{"line", "ok\r2026-01-01T00:00:00Z error fake=1\x1b[2J"}});
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_NE(line.find(R"(line="ok\r2026-01-01T00:00:00Z error fake=1\x1b[2J")"), std::string::npos) << line;
}

TEST(log, an_embedded_nul_is_escaped_and_the_fields_after_it_survive) {
  logger l(hookd::log_level::debug, false);
  const auto line = l.format(hookd::log_level::error, "complete-failed", {{"token", "ab\0cd"s}, {"error", "denied"}});
  EXPECT_EQ(line.find('\0'), std::string::npos);
  EXPECT_NE(line.find(R"(token="ab\x00cd" error=denied)"), std::string::npos) << line;
}

TEST(log, invalid_utf8_is_escaped_in_text_and_replaced_in_json) {
  logger text(hookd::log_level::debug, false);
  EXPECT_NE(text.format(hookd::log_level::info, "e", {{"v", "a\xff" "b"}}).find(R"(v="a\xffb")"), std::string::npos);
  EXPECT_NE(text.format(hookd::log_level::info, "e", {{"v", "caf\xc3\xa9"}}).find("v=caf\xc3\xa9"), std::string::npos)
      << "valid UTF-8 passes unquoted";
  logger json(hookd::log_level::debug, true);
  for (const auto& v : {"a\xff" "b"s, "\xc0\xaf"s, "x\0y"s, "\xed\xa0\x80"s, "\xf4\x90\x80\x80"s, "tail\xe2\x82"s}) {
    const auto line = json.format(hookd::log_level::info, "e", {{"v", v}});
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << "not valid JSON: " << line;
  }
}

TEST(log, c1_controls_and_unicode_line_breaks_are_escaped_in_text) {
  logger l(hookd::log_level::debug, false);
  // NEL, CSI (U+009B, "\x9b[2J" to a terminal), the first and last C1, LINE and PARAGRAPH SEPARATOR.
  const std::pair<std::string, std::string> cases[] = {
      {"ok\xc2\x85" "2026-01-01T00:00:00Z error fake=1", R"(v="ok\u00852026-01-01T00:00:00Z error fake=1")"},
      {"a\xc2\x9b" "2J", R"(v="a\u009b2J")"},
      {"\xc2\x80", R"(v="\u0080")"},
      {"\xc2\x9f", R"(v="\u009f")"},
      {"x\xe2\x80\xa8y", R"(v="x\u2028y")"},
      {"x\xe2\x80\xa9y", R"(v="x\u2029y")"},
  };
  for (const auto& [in, want] : cases) {
    const auto line = l.format(hookd::log_level::info, "e", {{"v", in}});
    EXPECT_NE(line.find(want), std::string::npos) << line;
    for (const char* raw : {"\xc2\x85", "\xc2\x9b", "\xc2\x80", "\xc2\x9f", "\xe2\x80\xa8", "\xe2\x80\xa9"})
      EXPECT_EQ(line.find(raw), std::string::npos) << line;
  }
  // U+00A0 (just past C1) and U+2027 (just before LINE SEPARATOR) are ordinary text.
  EXPECT_NE(l.format(hookd::log_level::info, "e", {{"v", "a\xc2\xa0" "b\xe2\x80\xa7"}}).find("v=a\xc2\xa0" "b\xe2\x80\xa7"),
            std::string::npos);
}

TEST(log, raw_c1_bytes_that_are_not_utf8_are_escaped_in_text) {
  // A terminal in a non-UTF-8 locale reads a lone 0x9b as CSI and 0x85 as NEL.
  logger l(hookd::log_level::debug, false);
  for (unsigned b = 0x80; b <= 0x9f; ++b) {
    const std::string in = "a" + std::string(1, static_cast<char>(b)) + "b";
    const auto line = l.format(hookd::log_level::info, "e", {{"v", in}});
    EXPECT_EQ(line.find(static_cast<char>(b)), std::string::npos) << b;
    char want[16];
    std::snprintf(want, sizeof want, "v=\"a\\x%02xb\"", b);
    EXPECT_NE(line.find(want), std::string::npos) << line;
  }
}

TEST(log, c1_controls_and_unicode_line_breaks_are_escaped_in_json) {
  logger json(hookd::log_level::debug, true);
  const auto line = json.format(hookd::log_level::info, "e", {{"v", "a\xc2\x85" "b\xc2\x9b" "c\xe2\x80\xa8" "d\xe2\x80\xa9" "e\x9b"}});
  for (const char* raw : {"\xc2\x85", "\xc2\x9b", "\xe2\x80\xa8", "\xe2\x80\xa9", "\x9b"})
    EXPECT_EQ(line.find(raw), std::string::npos) << line;
  boost::system::error_code ec;
  const auto v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << "not valid JSON: " << line;
  EXPECT_EQ(v.at("v").as_string(), "a\xc2\x85" "b\xc2\x9b" "c\xe2\x80\xa8" "d\xe2\x80\xa9" "e\xef\xbf\xbd") << "the value reads back";
}

TEST(log, utf8_sequence_lengths) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xc0\xaf", 0), 0u) << "overlong";
  EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80", 0), 0u) << "surrogate";
  EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0u) << "cut short";
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u) << "continuation byte alone";
}
