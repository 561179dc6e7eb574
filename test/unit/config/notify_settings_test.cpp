// SPDX-License-Identifier: Apache-2.0
#include "hookd/config/config.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::config;

namespace {
auto no_file = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
auto file_with(std::string text) {
  return [text](const std::string& p) -> std::optional<std::string> {
    if (p == "/etc/hookd/hookd.conf") return text;
    return std::nullopt;
  };
}
using urls = std::vector<std::string>;
} // namespace

TEST(notify_settings, repeated_flags_add_up_and_replace_the_environment_s_list) {
  auto r = load({"--notify-url", "https://a.example/x", "--notify-url=http://b.example:8080/y?k=v"},
                map_env({{"HOOKD_NOTIFY_URL", "https://env.example/1,https://env.example/2"}}), no_file);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->s.notify.urls, (urls{"https://a.example/x", "http://b.example:8080/y?k=v"}));
  auto env = load({}, map_env({{"HOOKD_NOTIFY_URL", "https://env.example/1, https://env.example/2"}}), no_file);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->s.notify.urls, (urls{"https://env.example/1", "https://env.example/2"}));
}

TEST(notify_settings, headers_repeat_in_the_file_and_on_the_command_line_and_may_hold_commas) {
  auto r = load({}, map_env({}),
                file_with("HOOKD_NOTIFY_HEADER='Authorization: Bearer abc'\nHOOKD_NOTIFY_HEADER='X-Tags: a, b'\n"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->s.notify.headers, (urls{"Authorization: Bearer abc", "X-Tags: a, b"}));
  auto flags = load({"--notify-header", "X-One: 1", "--notify-header", "X-Two: 2"}, map_env({{"HOOKD_NOTIFY_HEADER", "X-Env: e"}}),
                    no_file);
  ASSERT_TRUE(flags);
  EXPECT_EQ(flags->s.notify.headers, (urls{"X-One: 1", "X-Two: 2"}));
}

TEST(notify_settings, a_bad_value_is_named_by_its_setting_and_never_echoed) {
  auto url = load({"--notify-url", "ftp://hooks.example/SECRETPATH"}, map_env({}), no_file);
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message().find("notify-url (HOOKD_NOTIFY_URL) from command line --notify-url"), std::string::npos);
  EXPECT_EQ(url.error().message().find("SECRET"), std::string::npos) << url.error().message();
  auto header = load({}, map_env({{"HOOKD_NOTIFY_HEADER", "Authorization Bearer SECRETVALUE"}}), no_file);
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().message().find("SECRET"), std::string::npos) << header.error().message();
  EXPECT_FALSE(load({"--notify-sns-topic", "arn:aws:sqs:us-east-1:1:q"}, map_env({}), no_file));
  EXPECT_FALSE(load({"--notify-timeout", "10ms"}, map_env({}), no_file));
}

TEST(notify_settings, defaults_and_the_check_switch) {
  auto r = load({"check", "--check-notify", "--notify-sns-topic", "arn:aws:sns:us-east-1:123456789012:t"}, map_env({}), no_file);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->s.notify.check_deliver);
  EXPECT_EQ(r->s.notify.timeout, std::chrono::seconds(5));
  EXPECT_TRUE(r->s.notify.any());
  EXPECT_TRUE(r->s.notify.urls.empty());
}
