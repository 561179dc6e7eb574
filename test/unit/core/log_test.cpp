// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace hookd;
using namespace std::string_literals;

TEST(log, text_lines_cannot_be_forged_by_control_characters) {
  logger l(log_level::debug, false);
  const auto line = l.format(log_level::info, "script-output", {{"line", "ok\r2026-01-01T00:00:00Z error fake=1\x1b[2J"}});
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_NE(line.find(R"(line="ok\r2026-01-01T00:00:00Z error fake=1\x1b[2J")"), std::string::npos) << line;
}

TEST(log, an_embedded_nul_is_escaped_and_the_fields_after_it_survive) {
  logger l(log_level::debug, false);
  const auto line = l.format(log_level::error, "complete-failed", {{"token", "ab\0cd"s}, {"error", "denied"}});
  EXPECT_EQ(line.find('\0'), std::string::npos);
  EXPECT_NE(line.find(R"(token="ab\x00cd" error=denied)"), std::string::npos) << line;
}

TEST(log, invalid_utf8_is_escaped_in_text_and_replaced_in_json) {
  logger text(log_level::debug, false);
  EXPECT_NE(text.format(log_level::info, "e", {{"v", "a\xff" "b"}}).find(R"(v="a\xffb")"), std::string::npos);
  EXPECT_NE(text.format(log_level::info, "e", {{"v", "caf\xc3\xa9"}}).find("v=caf\xc3\xa9"), std::string::npos)
      << "valid UTF-8 passes unquoted";
  logger json(log_level::debug, true);
  for (const auto& v : {"a\xff" "b"s, "\xc0\xaf"s, "x\0y"s, "\xed\xa0\x80"s, "\xf4\x90\x80\x80"s, "tail\xe2\x82"s}) {
    const auto line = json.format(log_level::info, "e", {{"v", v}});
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << "not valid JSON: " << line;
  }
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
