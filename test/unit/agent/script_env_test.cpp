// SPDX-License-Identifier: Apache-2.0
// What a script's environment holds of hookd's secrets (issue 24): a --run-as script reaches the
// proxy but never gets its password, and AWS keys only when the operator asks for them.
#include "hookd/agent/script.hpp"
#include "hookd/http/proxy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace hookd;
using namespace hookd::agent;

namespace {
const env_lookup hookd_env = map_env({
    {"HTTPS_PROXY", "http://hookd:pr0xy-pass@proxy.internal:3128"},
    {"https_proxy", "http://hookd:pr0xy-pass@proxy.internal:3128/"},
    {"HTTP_PROXY", "hookd:p%40ss@proxy.internal:3128"},
    {"http_proxy", "http://a:b@c@proxy.internal:3128"},
    {"ALL_PROXY", "http://hookd:pr0xy-pass@proxy.internal:3128"},
    {"all_proxy", "http://hookd:pr0xy-pass@proxy.internal:3128"},
    {"Https_Proxy", "http://hookd:pr0xy-pass@proxy.internal:3128"},
    {"NO_PROXY", "169.254.169.254"},
    {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
    {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-secret"},
    {"AWS_SESSION_TOKEN", "session-token-secret"},
    {"NOTIFY_SOCKET", "/run/systemd/notify"},
    {"WATCHDOG_USEC", "30000000"},
    {"WATCHDOG_PID", "1"},
    {"HOOKD_NOTIFY_HEADER", "Authorization: Bearer notify-secret"},
});

std::vector<std::string> env_of(const std::string& run_as, bool aws_keys = false) {
  script_options s;
  s.run_as = run_as;
  s.run_as_aws_keys = aws_keys;
  lifecycle::lifecycle_action a;
  a.token = "tok";
  a.group = "asg";
  a.hook = "drain";
  a.instance_id = "i-1";
  return script_command("/bin/true", a, "us-east-1", s, hookd_env).env;
}

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}
bool mentions(const std::vector<std::string>& env, const std::string& what) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& e) { return e.find(what) != std::string::npos; });
}
} // namespace

TEST(script_env, a_run_as_script_reaches_the_proxy_without_its_password) {
  const auto env = env_of("nobody");
  EXPECT_TRUE(has(env, "HTTPS_PROXY=http://proxy.internal:3128"));
  EXPECT_TRUE(has(env, "https_proxy=http://proxy.internal:3128/"));
  EXPECT_TRUE(has(env, "HTTP_PROXY=proxy.internal:3128"));
  EXPECT_TRUE(has(env, "http_proxy=http://proxy.internal:3128"));
  EXPECT_TRUE(has(env, "NO_PROXY=169.254.169.254"));
  for (const char* secret : {"pr0xy-pass", "p%40ss", "hookd:", "a:b"}) EXPECT_FALSE(mentions(env, secret)) << secret;
  // Variables hookd itself does not read are not passed at all, in any case.
  EXPECT_FALSE(mentions(env, "ALL_PROXY=")) << "ALL_PROXY";
  EXPECT_FALSE(mentions(env, "all_proxy=")) << "all_proxy";
  EXPECT_FALSE(mentions(env, "Https_Proxy=")) << "Https_Proxy";
}

TEST(script_env, aws_secrets_reach_a_run_as_script_only_when_the_operator_asks) {
  const auto env = env_of("nobody");
  for (const char* secret : {"AKIDEXAMPLE", "wJalrXUtnFEMI-secret", "session-token-secret"}) EXPECT_FALSE(mentions(env, secret)) << secret;
  const auto keys = env_of("nobody", true); // --run-as-aws-keys
  EXPECT_TRUE(has(keys, "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-secret"));
  EXPECT_TRUE(has(keys, "AWS_SESSION_TOKEN=session-token-secret"));
  EXPECT_FALSE(mentions(keys, "pr0xy-pass")) << "the keys flag is about AWS keys, not the proxy's password";
}

TEST(script_env, a_script_run_as_hookd_s_own_user_sees_what_hookd_sees) {
  // The same user can read hookd's environment in /proc anyway: nothing is gained by hiding it,
  // and the script's AWS CLI needs the same credentials and proxy as hookd.
  const auto env = env_of("");
  EXPECT_TRUE(has(env, "HTTPS_PROXY=http://hookd:pr0xy-pass@proxy.internal:3128"));
  EXPECT_TRUE(has(env, "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-secret"));
}

TEST(script_env, a_script_cannot_speak_to_systemd_for_hookd_nor_read_the_notify_headers) {
  // NotifyAccess=main would refuse a child anyway; without the socket's name it cannot even try,
  // and its own sd_notify calls (a script run by systemd-aware tools) do not claim hookd's unit.
  for (const auto& run_as : {std::string(), std::string("nobody")}) {
    const auto env = env_of(run_as);
    EXPECT_FALSE(mentions(env, "NOTIFY_SOCKET"));
    EXPECT_FALSE(mentions(env, "WATCHDOG_"));
    EXPECT_FALSE(mentions(env, "notify-secret"));
  }
}

TEST(proxy_url, without_userinfo_keeps_scheme_host_port_and_path) {
  EXPECT_EQ(http::without_userinfo("http://u:p@h:3128"), "http://h:3128");
  EXPECT_EQ(http::without_userinfo("u:p@h:3128"), "h:3128");
  EXPECT_EQ(http::without_userinfo("http://u:p@x@h:3128/path@x"), "http://h:3128/path@x");
  EXPECT_EQ(http::without_userinfo("http://h:3128"), "http://h:3128");
  EXPECT_EQ(http::without_userinfo(""), "");
}
