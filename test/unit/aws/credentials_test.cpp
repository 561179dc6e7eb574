// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/credential_providers.hpp"
#include "support/run_awaitable.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace hookd;
using namespace hookd::aws;
using namespace std::chrono;
namespace net = boost::asio;

TEST(ini, sections_values_comments_and_continuations) {
  auto f = parse_ini("# c\n[default]\naws_access_key_id = AKID\n; c\n[profile x]\ns3 =\n  max_concurrent = 2\nregion=eu-west-1\n",
                     "/cfg");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->sections.at("default").values.at("aws_access_key_id"), "AKID");
  EXPECT_EQ(f->sections.at("profile x").values.at("s3"), "\nmax_concurrent = 2");
  EXPECT_EQ(f->sections.at("profile x").values.at("region"), "eu-west-1");
  EXPECT_EQ(f->sections.at("profile x").line, 5);
}

TEST(ini, errors_name_file_and_line_and_never_echo_the_line) {
  auto f = parse_ini("[default]\naws_secret_access_key SECRETVALUE\n", "/root/.aws/credentials");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("/root/.aws/credentials:2:"), std::string::npos) << f.error().message();
  EXPECT_EQ(f.error().message().find("SECRETVALUE"), std::string::npos);
  EXPECT_FALSE(parse_ini("key = value\n", "f"));
  EXPECT_FALSE(parse_ini("[unterminated\n", "f"));
  EXPECT_FALSE(parse_ini("[]\n", "f"));
}

TEST(environment_credentials, pair_and_token) {
  auto none = credentials_from_environment(map_env({}));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto c = credentials_from_environment(
      map_env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_SESSION_TOKEN", "T"}}));
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->access_key_id, "AKID");
  EXPECT_EQ((*c)->session_token.reveal(), "T");
  EXPECT_TRUE((*c)->temporary());
  auto half = credentials_from_environment(map_env({{"AWS_ACCESS_KEY_ID", "AKID"}}));
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message().find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos);
}

TEST(profiles, credentials_file_wins_and_config_uses_profile_prefix) {
  auto creds_file = parse_ini("[default]\naws_access_key_id=FROMCREDS\naws_secret_access_key=S1\n", "creds").value();
  auto config_file =
      parse_ini("[default]\naws_access_key_id=FROMCONFIG\n[profile ops]\naws_access_key_id=OPS\naws_secret_access_key=S2\n"
                "[ops]\naws_access_key_id=WRONG\n",
                "config")
          .value();
  auto d = credentials_from_profiles("default", false, &creds_file, &config_file);
  ASSERT_TRUE(d && *d);
  EXPECT_EQ((*d)->access_key_id, "FROMCREDS");
  auto ops = credentials_from_profiles("ops", true, &creds_file, &config_file);
  ASSERT_TRUE(ops && *ops);
  EXPECT_EQ((*ops)->access_key_id, "OPS");
  EXPECT_EQ((*ops)->source, "profile:ops");
}

TEST(profiles, unknown_explicit_profile_lists_the_existing_ones) {
  auto creds_file = parse_ini("[default]\naws_access_key_id=A\naws_secret_access_key=S\n[ci]\n", "creds").value();
  auto config_file = parse_ini("[profile ops]\nregion=x\n", "config").value();
  auto r = credentials_from_profiles("prod", true, &creds_file, &config_file);
  ASSERT_FALSE(r);
  const auto m = r.error().message();
  EXPECT_NE(m.find("'prod' not found"), std::string::npos) << m;
  EXPECT_NE(m.find("'ci', 'default', 'ops'"), std::string::npos) << m;
  // An absent default profile is not an error: the chain goes on.
  auto none = credentials_from_profiles("default", false, nullptr, &config_file);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(profiles, half_configured_profile_names_file_and_line) {
  auto creds_file = parse_ini("\n[default]\naws_access_key_id=A\n", "/h/.aws/credentials").value();
  auto r = credentials_from_profiles("default", false, &creds_file, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("/h/.aws/credentials:2"), std::string::npos) << r.error().message();
}

TEST(profiles, paths_follow_the_sdk_variables) {
  EXPECT_EQ(shared_credentials_path(map_env({{"HOME", "/home/u"}})), "/home/u/.aws/credentials");
  EXPECT_EQ(shared_config_path(map_env({{"HOME", "/home/u"}})), "/home/u/.aws/config");
  EXPECT_EQ(shared_credentials_path(map_env({{"AWS_SHARED_CREDENTIALS_FILE", "/c"}})), "/c");
  EXPECT_EQ(shared_config_path(map_env({{"AWS_CONFIG_FILE", "/f"}})), "/f");
  EXPECT_EQ(selected_profile(map_env({{"AWS_PROFILE", "p"}, {"AWS_DEFAULT_PROFILE", "q"}})), "p");
  EXPECT_EQ(selected_profile(map_env({})), "default");
}

namespace {
struct temp_home {
  std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / ("hookd-home-" + std::to_string(::getpid()));
  temp_home() { std::filesystem::create_directories(dir / ".aws"); }
  ~temp_home() { std::filesystem::remove_all(dir); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(dir / rel) << text; }
};

/// A scripted provider: answers from a queue, counting calls.
class scripted_provider final : public credentials_provider {
public:
  std::vector<outcome<credentials>> answers;
  int calls = 0;
  net::awaitable<outcome<credentials>> get() override {
    auto r = answers.at(static_cast<std::size_t>(std::min<int>(calls, int(answers.size()) - 1)));
    ++calls;
    co_return r;
  }
  std::string name() const override { return "scripted"; }
};

credentials temp_creds(std::string id, hookd::sys_time expiration) {
  credentials c;
  c.access_key_id = std::move(id);
  c.secret_access_key = secret_string("s");
  c.session_token = secret_string("t");
  c.expiration = expiration;
  return c;
}
} // namespace

TEST(chain, environment_first_then_files_then_nothing) {
  temp_home home;
  home.write(".aws/credentials", "[default]\naws_access_key_id=FILEKEY\naws_secret_access_key=S\n");
  auto make_chain = [&](std::map<std::string, std::string, std::less<>> vars) {
    vars["HOME"] = home.dir.string();
    std::vector<std::unique_ptr<credentials_provider>> v;
    v.push_back(std::make_unique<environment_provider>(map_env(vars)));
    v.push_back(std::make_unique<shared_files_provider>(map_env(vars)));
    return chain_provider(std::move(v));
  };
  auto env_chain = make_chain({{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "S"}});
  EXPECT_EQ(test::run_awaitable(env_chain.get())->access_key_id, "ENVKEY");

  auto file_chain = make_chain({});
  auto r = test::run_awaitable(file_chain.get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->access_key_id, "FILEKEY");
  EXPECT_EQ(r->source, "profile:default");

  std::filesystem::remove(home.dir / ".aws/credentials");
  auto empty_chain = make_chain({});
  auto none = test::run_awaitable(empty_chain.get());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, make_error_code(errc::no_credentials));
  EXPECT_NE(none.error().message().find("environment:"), std::string::npos) << none.error().message();
  EXPECT_NE(none.error().message().find("shared files:"), std::string::npos) << none.error().message();
}

TEST(chain, a_malformed_file_stops_the_chain_with_its_line) {
  temp_home home;
  home.write(".aws/config", "[default]\nthis is not ini\n");
  std::vector<std::unique_ptr<credentials_provider>> v;
  v.push_back(std::make_unique<shared_files_provider>(map_env({{"HOME", home.dir.string()}})));
  auto second = std::make_unique<scripted_provider>();
  second->answers.push_back(temp_creds("SHOULD-NOT-BE-USED", hookd::sys_time::max()));
  auto* second_raw = second.get();
  v.push_back(std::move(second));
  chain_provider chain(std::move(v));
  auto r = test::run_awaitable(chain.get());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("config:2:"), std::string::npos) << r.error().message();
  EXPECT_EQ(second_raw->calls, 0);
}

TEST(cached, refreshes_five_minutes_before_expiry_and_serves_old_ones_while_refresh_fails) {
  hookd::sys_time now = sys_days{year{2026} / 1 / 1};
  auto inner = std::make_unique<scripted_provider>();
  auto* raw = inner.get();
  raw->answers.push_back(temp_creds("FIRST", now + 1h));
  cached_provider cache(std::move(inner), [&] { return now; });

  EXPECT_EQ(test::run_awaitable(cache.get())->access_key_id, "FIRST");
  now += 30min;
  EXPECT_EQ(test::run_awaitable(cache.get())->access_key_id, "FIRST");
  EXPECT_EQ(raw->calls, 1) << "still fresh: no refresh";

  // Inside the 5-minute window the refresh fails: the old, still valid credentials are served.
  now += 26min;
  raw->answers = {make_error(errc::io_failed, "imds unreachable")};
  raw->calls = 0;
  auto r = test::run_awaitable(cache.get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->access_key_id, "FIRST");
  EXPECT_EQ(raw->calls, 1);
  EXPECT_EQ(cache.last_refresh_error(), "imds unreachable");

  // Past expiry the failure surfaces.
  now += 10min;
  EXPECT_FALSE(test::run_awaitable(cache.get()));

  // Refresh succeeds again.
  raw->answers = {temp_creds("SECOND", now + 1h)};
  raw->calls = 0;
  EXPECT_EQ(test::run_awaitable(cache.get())->access_key_id, "SECOND");
  EXPECT_TRUE(cache.last_refresh_error().empty());
}

TEST(cached, invalidate_forces_a_refresh_without_fallback) {
  hookd::sys_time now = sys_days{year{2026} / 1 / 1};
  auto inner = std::make_unique<scripted_provider>();
  auto* raw = inner.get();
  raw->answers.push_back(temp_creds("FIRST", now + 6h));
  cached_provider cache(std::move(inner), [&] { return now; });
  ASSERT_TRUE(test::run_awaitable(cache.get()));
  raw->answers = {temp_creds("ROTATED", now + 6h)};
  cache.invalidate();
  EXPECT_EQ(test::run_awaitable(cache.get())->access_key_id, "ROTATED");
  raw->answers = {make_error(errc::io_failed, "down")};
  cache.invalidate();
  EXPECT_FALSE(test::run_awaitable(cache.get())) << "after ExpiredToken the old credentials are known bad";
  EXPECT_EQ(raw->calls, 3);
}

TEST(cached, long_term_credentials_are_fetched_once) {
  auto inner = std::make_unique<scripted_provider>();
  auto* raw = inner.get();
  credentials c;
  c.access_key_id = "LONGTERM";
  c.secret_access_key = secret_string("s");
  raw->answers.push_back(c);
  cached_provider cache(std::move(inner), [] { return std::chrono::system_clock::now(); });
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(test::run_awaitable(cache.get()));
  EXPECT_EQ(raw->calls, 1);
}
