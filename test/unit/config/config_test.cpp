// SPDX-License-Identifier: Apache-2.0
#include "hookd/config/config.hpp"

#include <gtest/gtest.h>

#include <utility>

using namespace hookd;
using namespace hookd::config;

namespace {
auto no_file = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
auto file_with(std::string text) {
  return [text](const std::string& p) -> std::optional<std::string> {
    if (p == "/etc/hookd/hookd.conf" || p == "/custom.conf") return text;
    return std::nullopt;
  };
}
} // namespace

TEST(config, precedence_flags_then_environment_then_file) {
  auto r = load({"--queue-url", "https://sqs.eu-west-1.amazonaws.com/1/q", "--script-timeout=90s"},
                map_env({{"HOOKD_SCRIPT_TIMEOUT", "5m"}, {"HOOKD_ON_TERMINATE", "s3://b/k.sh"}}),
                file_with("export HOOKD_QUEUE_URL=https://file/1/q\nHOOKD_ON_TERMINATE='/opt/x.sh'\nHOOKD_HOOK=\"a,b\" # ours\nAWS_REGION=eu-west-1\n"));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->s.queue_url, "https://sqs.eu-west-1.amazonaws.com/1/q");
  EXPECT_EQ(r->s.script_timeout, std::chrono::seconds(90));
  EXPECT_EQ(r->s.on_terminate, "s3://b/k.sh");
  EXPECT_EQ(r->s.hooks, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(r->s.region, "eu-west-1");
  EXPECT_EQ(r->s.config_file, "/etc/hookd/hookd.conf");
  EXPECT_EQ(r->command, "run");
}

TEST(config, errors_name_setting_source_and_accepted_values) {
  auto flag = load({"--on-success", "MAYBE"}, map_env({}), no_file);
  ASSERT_FALSE(flag);
  EXPECT_EQ(flag.error().message(), "invalid on-success (HOOKD_ON_SUCCESS) from command line --on-success: expected CONTINUE or ABANDON");
  auto var = load({}, map_env({{"HOOKD_SCRIPT_TIMEOUT", "soon"}}), no_file);
  ASSERT_FALSE(var);
  EXPECT_NE(var.error().message().find("environment variable HOOKD_SCRIPT_TIMEOUT"), std::string::npos);
  auto file = load({}, map_env({}), file_with("\nHOOKD_LOG_FORMAT=xml\n"));
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message().find("/etc/hookd/hookd.conf:2"), std::string::npos) << file.error().message();
  EXPECT_NE(file.error().message().find("text or json"), std::string::npos);
  auto typo = load({}, map_env({}), file_with("HOOKD_QUEUE_ULR=x\n"));
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message().find("unknown setting HOOKD_QUEUE_ULR"), std::string::npos);
  EXPECT_FALSE(load({"--bogus"}, map_env({}), no_file));
  EXPECT_FALSE(load({"--queue-url"}, map_env({}), no_file));
  auto missing = load({"--config", "/nope.conf"}, map_env({}), no_file);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/nope.conf not found"), std::string::npos);
  EXPECT_FALSE(load({"--create-hook"}, map_env({}), no_file)) << "needs --notification-target-arn";
  EXPECT_FALSE(load({"--on-terminate", "relative.sh"}, map_env({}), no_file));
}

TEST(config, a_duration_too_long_is_an_error_naming_the_setting_and_the_bound) {
  for (const auto& [var, flag] : {std::pair{"HOOKD_HEARTBEAT_INTERVAL", "heartbeat-interval"}, {"HOOKD_SCRIPT_TIMEOUT", "script-timeout"}}) {
    auto r = load({}, map_env({{var, "999999999999s"}}), no_file);
    ASSERT_FALSE(r) << var;
    EXPECT_NE(r.error().message().find(std::string("invalid ") + flag + " (" + var + ") from environment variable"), std::string::npos)
        << r.error().message();
    EXPECT_NE(r.error().message().find("at most 8760h"), std::string::npos) << r.error().message();
  }
  EXPECT_FALSE(load({"--script-timeout", "999999999999h"}, map_env({}), no_file));
}

TEST(config, env_file_syntax) {
  auto lines = parse_env_file("# c\nexport A=1\nB=\"two words\" # c\nC='x#y'\nD=plain # trailing\n  E=\"q\\\"uote\"\n", "f");
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->size(), 5u);
  EXPECT_EQ((*lines)[1].second.first, "two words");
  EXPECT_EQ((*lines)[2].second.first, "x#y");
  EXPECT_EQ((*lines)[3].second.first, "plain");
  EXPECT_EQ((*lines)[4].second.first, "q\"uote");
  EXPECT_FALSE(parse_env_file("A='open\n", "f"));
  EXPECT_FALSE(parse_env_file("no equals\n", "f"));
  EXPECT_FALSE(parse_env_file("A-B=1\n", "f"));
}

TEST(config, file_variables_reach_the_aws_layer_below_the_real_environment) {
  auto r = load({}, map_env({{"AWS_CA_BUNDLE", "/env.pem"}}), file_with("AWS_CA_BUNDLE=/file.pem\nAWS_ENDPOINT_URL=http://x\n"));
  ASSERT_TRUE(r);
  auto env = effective_env(r->s, map_env({{"AWS_CA_BUNDLE", "/env.pem"}}));
  EXPECT_EQ(env("AWS_CA_BUNDLE"), "/env.pem");
  EXPECT_EQ(env("AWS_ENDPOINT_URL"), "http://x");
}

TEST(config, commands_help_and_every_setting_in_the_help_table) {
  auto r = load({"simulate", "--once"}, map_env({}), no_file);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->command, "simulate");
  EXPECT_TRUE(r->s.once);
  EXPECT_TRUE(load({"--help"}, map_env({}), no_file)->help);
  const auto help = help_table();
  for (const char* v : {"HOOKD_QUEUE_URL", "AWS_REGION", "HOOKD_ON_TERMINATE", "HOOKD_SCRIPT_SHA256", "HOOKD_CREATE_HOOK"})
    EXPECT_NE(help.find(v), std::string::npos) << v;
}

TEST(config, a_malformed_line_never_echoes_its_text) {
  // A token pasted without '=' after the name, base64 padding supplying the '=': a secret.
  auto r = load({}, map_env({}), file_with("HOOKD_QUEUE_URL=https://q/1/q\nexport AWS_SESSION_TOKEN IQoJb3JpZ2luX2VjEXAMPLE==\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message().find("IQoJ"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("/etc/hookd/hookd.conf:2"), std::string::npos) << r.error().message();
  auto bad = load({}, map_env({}), file_with("HOOKD_WAIT_TIME=AKIAEXAMPLESECRET\n"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message().find("AKIAEXAMPLESECRET"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("HOOKD_WAIT_TIME"), std::string::npos) << bad.error().message();
}

// --- the notification settings (config/notify_settings.cpp) ---
namespace {
using urls = std::vector<std::string>;
}

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
