// SPDX-License-Identifier: Apache-2.0
// Edge cases of each canonical-request piece beyond what the AWS suites cover.
#include "hookd/sigv4/canonical.hpp"

#include <gtest/gtest.h>

using namespace hookd::sigv4;

TEST(canonical, uri_encode_uses_unreserved_set_and_upper_hex) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b+c/d=e&f%"), "a%20b%2Bc%2Fd%3De%26f%25");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(uri_encode("\xc3\xbc"), "%C3%BC");
  EXPECT_EQ(uri_encode(std::string("\0", 1)), "%00");
}

TEST(canonical, uri_decode_keeps_plus_and_bad_escapes) {
  EXPECT_EQ(uri_decode("a%20b+c"), "a b+c");
  EXPECT_EQ(uri_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(uri_decode("%e2%82%ac"), "\xe2\x82\xac");
}

TEST(canonical, normalize_path_segments) {
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path(""), "/");
  EXPECT_EQ(normalize_path("//a//b//"), "/a/b/");
  EXPECT_EQ(normalize_path("/a/./b/../c"), "/a/c");
  EXPECT_EQ(normalize_path("/../../a"), "/a"); // never escapes the root
  EXPECT_EQ(normalize_path("/a/b/.."), "/a");
  EXPECT_EQ(normalize_path("/a/."), "/a");
  EXPECT_EQ(normalize_path("/a/b/"), "/a/b/");
}

TEST(canonical, s3_paths_are_taken_as_sent) {
  const path_rules s3{false, false};
  EXPECT_EQ(canonical_path("/bucket/a//b/../c%20d", s3), "/bucket/a//b/../c%20d");
  EXPECT_EQ(canonical_path("/a//b/../c%20d", path_rules{}), "/a/c%2520d");
  EXPECT_EQ(canonical_path("", s3), "/");
}

TEST(canonical, query_sorted_by_encoded_name_then_value) {
  query_list q{{"b", "2"}, {"a", "z"}, {"a", "y"}, {"A", "1"}, {"a b", ""}, {"~", "+"}};
  EXPECT_EQ(canonical_query(q), "A=1&a=y&a=z&a%20b=&b=2&~=%2B");
  EXPECT_EQ(canonical_query({}), "");
}

TEST(canonical, parse_query_decodes_pairs) {
  auto q = parse_query("a=1&b=%20x&c&&d=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", " x"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", ""}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"d", ""}));
}

TEST(canonical, header_values_trimmed_and_collapsed) {
  EXPECT_EQ(canonical_header_value("  a   b\t\tc  "), "a b c");
  EXPECT_EQ(canonical_header_value("\"a   b\""), "\"a b\"");
  EXPECT_EQ(canonical_header_value("   "), "");
}

TEST(canonical, headers_lowercased_sorted_and_repeats_joined_in_order) {
  header_list h{{"X-B", "2"}, {"Host", "h"}, {"x-b", "1"}, {"X-A", " a "}};
  const auto c = canonical_headers(h);
  EXPECT_EQ(c.block, "host:h\nx-a:a\nx-b:2,1\n");
  EXPECT_EQ(c.signed_headers, "host;x-a;x-b");
}

TEST(canonical, unsigned_headers) {
  for (const char* n : {"user-agent", "x-amzn-trace-id", "connection", "transfer-encoding", "expect", "proxy-authorization"})
    EXPECT_TRUE(is_unsigned_header(n)) << n;
  for (const char* n : {"host", "content-type", "x-amz-target", "x-amz-date", "range"}) EXPECT_FALSE(is_unsigned_header(n)) << n;
}
