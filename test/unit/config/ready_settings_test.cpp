// SPDX-License-Identifier: Apache-2.0
#include "hookd/config/config.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::config;

namespace {
auto no_config_file = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
auto config_file_with(std::string text) {
  return [text](const std::string& p) -> std::optional<std::string> {
    if (p == "/etc/hookd/hookd.conf") return text;
    return std::nullopt;
  };
}
} // namespace

TEST(ready_settings, every_flag_has_its_variable_and_file_key_and_the_defaults_are_the_issue_s) {
  auto d = load({}, map_env({}), no_config_file);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->s.ready.any());
  EXPECT_EQ(d->s.ready.interval, std::chrono::seconds(5));
  EXPECT_EQ(d->s.ready.timeout, std::chrono::minutes(10));
  EXPECT_EQ(d->s.ready.passes, 2);
  EXPECT_EQ(d->s.ready.check_timeout, std::chrono::seconds(10));
  EXPECT_EQ(d->s.ready.on_failure, "ABANDON");
  auto flags = load({"--ready-http", "http://127.0.0.1:8080/health?deep=1", "--ready-http-body", "\"ok\"", "--ready-command",
                     "systemctl is-active nginx", "--ready-interval", "2s", "--ready-timeout", "3m", "--ready-check-timeout", "45s", "--ready-passes", "3",
                     "--ready-failure", "CONTINUE", "--warm-script", "/opt/warm.sh"},
                    map_env({}), no_config_file);
  ASSERT_TRUE(flags) << flags.error().message();
  EXPECT_EQ(flags->s.ready.http_url, "http://127.0.0.1:8080/health?deep=1");
  EXPECT_EQ(flags->s.ready.http_body, "\"ok\"");
  EXPECT_EQ(flags->s.ready.command, "systemctl is-active nginx");
  EXPECT_EQ(flags->s.ready.interval, std::chrono::seconds(2));
  EXPECT_EQ(flags->s.ready.timeout, std::chrono::minutes(3));
  EXPECT_EQ(flags->s.ready.check_timeout, std::chrono::seconds(45));
  EXPECT_EQ(flags->s.ready.passes, 3);
  EXPECT_EQ(flags->s.ready.on_failure, "CONTINUE");
  EXPECT_EQ(flags->s.on_warm, "/opt/warm.sh");
  auto env = load({}, map_env({{"HOOKD_READY_HTTP", "http://localhost/"}, {"HOOKD_READY_PASSES", "1"}, {"HOOKD_READY_CHECK_TIMEOUT", "30s"},
                               {"HOOKD_WARM_SCRIPT", "s3://b/warm.sh"}}),
                  no_config_file);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->s.ready.http_url, "http://localhost/");
  EXPECT_EQ(env->s.ready.passes, 1);
  EXPECT_EQ(env->s.ready.check_timeout, std::chrono::seconds(30));
  EXPECT_EQ(env->s.on_warm, "s3://b/warm.sh");
  auto file = load({}, map_env({}), config_file_with("HOOKD_READY_COMMAND='test -e /run/app.ready'\nHOOKD_READY_TIMEOUT=90s\n"));
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->s.ready.command, "test -e /run/app.ready");
  EXPECT_EQ(file->s.ready.timeout, std::chrono::seconds(90));
}

TEST(ready_settings, a_malformed_url_is_named_by_its_setting_and_its_path_never_echoed) {
  for (const char* bad : {"ftp://127.0.0.1/SECRETPATH", "127.0.0.1:8080/SECRETPATH", "http://user:pw@127.0.0.1/SECRETPATH",
                          "http://127.0.0.1/SECRETPATH#frag", "http://127.0.0.1:99999/SECRETPATH"}) {
    auto r = load({"--ready-http", bad}, map_env({}), no_config_file);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("--ready-http"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().find("SECRETPATH"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().find("pw@"), std::string::npos) << r.error().message();
  }
  EXPECT_FALSE(load({"--ready-passes", "0"}, map_env({}), no_config_file));
  EXPECT_FALSE(load({"--ready-interval", "0"}, map_env({}), no_config_file));
  EXPECT_FALSE(load({"--ready-check-timeout", "500ms"}, map_env({}), no_config_file));
  EXPECT_FALSE(load({"--ready-failure", "maybe"}, map_env({}), no_config_file));
  EXPECT_FALSE(load({"--ready-command", "a\nb"}, map_env({}), no_config_file));
  EXPECT_FALSE(load({"--warm-script", "relative.sh"}, map_env({}), no_config_file));
}

TEST(ready_settings, a_ready_url_splits_into_origin_and_target) {
  auto u = parse_ready_url("http://127.0.0.1:8080/health?deep=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->origin, "http://127.0.0.1:8080");
  EXPECT_EQ(u->target, "/health?deep=1");
  EXPECT_EQ(u->ep.port, 8080);
  auto bare = parse_ready_url("https://app.internal");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->target, "/");
  EXPECT_TRUE(bare->ep.tls());
}

TEST(ready_settings, settings_under_which_the_gate_could_never_pass_are_refused_in_one_line) {
  const auto with = [](std::vector<std::string> more) {
    more.insert(more.begin(), {"--ready-http", "http://127.0.0.1/health"});
    return load(more, map_env({}), no_config_file);
  };
  // Defaults (2 passes, 5 s apart, 10 s a check) in a 10 s gate: no second round can start
  // before the deadline less 10 s, which is the gate's own start.
  auto r = with({"--ready-timeout", "10s"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("--ready-timeout 10s"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("could never pass"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find('\n'), std::string::npos);
  // What worked before stays accepted: in 12 s the second round comes early, at +2 s; one pass
  // needs only the first round, whose check is cut to the time left.
  EXPECT_TRUE(with({"--ready-timeout", "12s"}));
  EXPECT_TRUE(with({"--ready-timeout", "5s", "--ready-passes", "1"}));
  // Three passes 5 s apart with 10 s checks need 5 + 10 < timeout.
  EXPECT_FALSE(with({"--ready-timeout", "15s", "--ready-passes", "3"}));
  EXPECT_TRUE(with({"--ready-timeout", "16s", "--ready-passes", "3"}));
  // A URL and a command run one after the other: a round's bound is both checks'.
  EXPECT_TRUE(with({"--ready-timeout", "12s", "--ready-check-timeout", "5s"}));
  EXPECT_FALSE(with({"--ready-timeout", "10s", "--ready-check-timeout", "5s", "--ready-command", "true"}));
  // The values may come from anywhere; the rule is the same.
  EXPECT_FALSE(load({}, map_env({{"HOOKD_READY_COMMAND", "true"}, {"HOOKD_READY_TIMEOUT", "10s"}}), no_config_file));
  // No check set: nothing to judge, whatever the numbers.
  EXPECT_TRUE(load({"--ready-timeout", "1s", "--ready-check-timeout", "30s"}, map_env({}), no_config_file));
}
