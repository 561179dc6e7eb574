// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/url.hpp"

#include <gtest/gtest.h>

using namespace hookd::http;

TEST(url, parses_endpoints) {
  auto a = parse_endpoint("https://sqs.eu-west-1.amazonaws.com");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "sqs.eu-west-1.amazonaws.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_TRUE(a->tls());
  EXPECT_EQ(a->host_header(), "sqs.eu-west-1.amazonaws.com");
  auto b = parse_endpoint("HTTP://127.0.0.1:4566/prefix/");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scheme, "http");
  EXPECT_EQ(b->port, 4566);
  EXPECT_EQ(b->base_path, "/prefix");
  EXPECT_EQ(b->host_header(), "127.0.0.1:4566");
  EXPECT_EQ(b->origin(), "http://127.0.0.1:4566");
  auto c = parse_endpoint("http://[fd00:ec2::254]");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "fd00:ec2::254");
  EXPECT_EQ(c->port, 80);
  EXPECT_EQ(c->url(), "http://[fd00:ec2::254]");
}

TEST(url, rejects_bad_endpoints_with_the_reason) {
  for (const char* bad : {"sqs.amazonaws.com", "ftp://x", "https://", "https://h:0", "https://h:99999", "https://h:x",
                          "https://u:p@h", "https://h/?q=1", "https://[::1"}) {
    auto r = parse_endpoint(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("invalid endpoint URL"), std::string::npos);
  }
}

TEST(url, loopback) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("169.254.169.254"));
  EXPECT_FALSE(is_loopback_host("sqs.us-east-1.amazonaws.com"));
}
