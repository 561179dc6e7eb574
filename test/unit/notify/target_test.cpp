// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/target.hpp"

#include <gtest/gtest.h>

using namespace hookd::notify;

TEST(notify_target, a_webhook_url_keeps_its_path_and_query_as_the_target_and_is_named_by_its_origin) {
  auto t = parse_webhook_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET?x=1");
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->ep.host, "hooks.slack.com");
  EXPECT_EQ(t->ep.port, 443);
  EXPECT_EQ(t->target, "/services/T000/B000/XXXXSECRET?x=1");
  EXPECT_EQ(t->origin, "https://hooks.slack.com");
  auto plain = parse_webhook_url("http://127.0.0.1:8080");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->origin, "http://127.0.0.1:8080");
  auto q = parse_webhook_url("http://h?token=abc");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->target, "/?token=abc");
}

TEST(notify_target, a_refused_url_never_echoes_its_secret_parts) {
  for (const char* url : {"ftp://h/SECRETPATH", "https://user:SECRETPASS@h/SECRETPATH", "https://h/SECRETPATH#frag",
                          "https://h:99999/SECRETPATH", "https://h/SECRET PATH", "h/SECRETPATH"}) {
    auto t = parse_webhook_url(url);
    ASSERT_FALSE(t) << url;
    EXPECT_EQ(t.error().message().find("SECRET"), std::string::npos) << t.error().message();
  }
}

TEST(notify_target, a_header_is_a_token_name_and_a_value_without_line_breaks) {
  auto h = parse_header("Authorization:   Bearer abc:def  ");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name, "Authorization");
  EXPECT_EQ(h->value, "Bearer abc:def");
  EXPECT_TRUE(parse_header("X-Empty:"));
  for (const char* bad : {"no colon", ": s3cret", "Bad Name: s3cret", "X-A: s3cret\r\nX-Injected: 1", "X-A: s3cret\x01",
                          "Host: s3cret", "content-length: 1", "Transfer-Encoding: chunked"}) {
    auto e = parse_header(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().message().find("s3cret"), std::string::npos) << "never the value: " << e.error().message();
    EXPECT_EQ(e.error().message().find("chunked"), std::string::npos) << e.error().message();
  }
}

TEST(notify_target, lists_split_on_commas_and_newlines_trimmed) {
  EXPECT_EQ(split_list(" a, b ,,c\nd "), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(split_list("X: 1, 2\nY: 3", false), (std::vector<std::string>{"X: 1, 2", "Y: 3"}));
  EXPECT_TRUE(split_list("").empty());
}
