// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/resolver.hpp"

#include <gtest/gtest.h>

using namespace hookd::http;

TEST(resolver, hosts_file) {
  const char* hosts = "127.0.0.1 localhost\n# comment\n10.0.0.5  sqs.internal  SQS-alias # trailing\n::1 ip6-localhost\n10.0.0.6 sqs.internal\n";
  EXPECT_EQ(hosts_lookup(hosts, "localhost"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(hosts_lookup(hosts, "SQS.internal"), (std::vector<std::string>{"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(hosts_lookup(hosts, "sqs-alias"), std::vector<std::string>{"10.0.0.5"});
  EXPECT_TRUE(hosts_lookup(hosts, "comment").empty());
  EXPECT_TRUE(hosts_lookup("", "x").empty());
}

TEST(resolver, resolv_conf) {
  EXPECT_EQ(resolv_conf_nameservers("search ec2.internal\nnameserver 169.254.169.253\nnameserver  10.0.0.2 \n"),
            (std::vector<std::string>{"169.254.169.253", "10.0.0.2"}));
  EXPECT_EQ(resolv_conf_nameservers("# nothing\n"), std::vector<std::string>{"127.0.0.1"});
}

TEST(resolver, query_wire_format) {
  auto q = dns_query(0x1234, "sqs.us-east-1.amazonaws.com", dns_type_a);
  ASSERT_TRUE(q);
  const std::string expect = std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12) +
                             "\x03sqs\x09us-east-1\x09" "amazonaws\x03" "com" + std::string("\x00\x00\x01\x00\x01", 5);
  EXPECT_EQ(*q, expect);
  EXPECT_FALSE(dns_query(1, "a..b", dns_type_a));
  EXPECT_FALSE(dns_query(1, std::string(64, 'x') + ".com", dns_type_a));
}

namespace {
std::string answer_packet(std::uint16_t id, std::uint16_t rcode, bool with_cname) {
  std::string p;
  p += static_cast<char>(id >> 8);
  p += static_cast<char>(id & 0xff);
  p += static_cast<char>(0x81);
  p += static_cast<char>(0x80 | rcode);
  p += std::string("\x00\x01", 2);                                      // 1 question
  p += std::string(with_cname ? "\x00\x02" : "\x00\x01", 2);            // answers
  p += std::string("\x00\x00\x00\x00", 4);
  p += std::string("\x03sqs\x07" "example\x00", 13) + std::string("\x00\x01\x00\x01", 4); // question at offset 12
  if (with_cname) {
    p += std::string("\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x06\x03" "lb1\xc0\x10", 18); // CNAME -> lb1.example
    p += std::string("\xc0\x1d\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x07", 16);  // lb1.example A 10.0.0.7
  } else {
    p += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", 16);  // A 127.0.0.1
  }
  return p;
}
} // namespace

TEST(resolver, answers_with_compression_and_cname) {
  auto a = parse_dns_answer(answer_packet(7, 0, false), 7, "sqs.example", dns_type_a);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a, std::vector<std::string>{"127.0.0.1"});
  auto c = parse_dns_answer(answer_packet(7, 0, true), 7, "sqs.example", dns_type_a);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(*c, std::vector<std::string>{"10.0.0.7"});
  auto nx = parse_dns_answer(answer_packet(7, 3, false), 7, "sqs.example", dns_type_a);
  ASSERT_TRUE(nx);
  EXPECT_TRUE(nx->empty());
  EXPECT_FALSE(parse_dns_answer(answer_packet(8, 0, false), 7, "sqs.example", dns_type_a)) << "wrong id";
  EXPECT_FALSE(parse_dns_answer(answer_packet(7, 2, false), 7, "sqs.example", dns_type_a)) << "SERVFAIL";
  auto cut = answer_packet(7, 0, false);
  cut.resize(cut.size() - 3);
  EXPECT_FALSE(parse_dns_answer(cut, 7, "sqs.example", dns_type_a));
  EXPECT_FALSE(parse_dns_answer("short", 7, "sqs.example", dns_type_a));
}

TEST(resolver, an_answer_to_another_question_is_refused) {
  const auto p = answer_packet(7, 0, false);
  EXPECT_FALSE(parse_dns_answer(p, 7, "evil.example", dns_type_a)) << "another name";
  EXPECT_FALSE(parse_dns_answer(p, 7, "sqs.example", dns_type_aaaa)) << "another type";
  EXPECT_TRUE(parse_dns_answer(p, 7, "SQS.Example.", dns_type_a)) << "names compare without case and root dot";
  auto two = p;
  two[5] = 2; // two questions
  EXPECT_FALSE(parse_dns_answer(two, 7, "sqs.example", dns_type_a));
}
