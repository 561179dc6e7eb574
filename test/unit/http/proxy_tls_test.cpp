// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/proxy.hpp"
#include "hookd/http/tls.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace hookd;
using namespace hookd::http;

TEST(proxy_settings, reads_the_variables_and_no_proxy) {
  auto s = proxy_settings_from_env(map_env({{"https_proxy", "proxy.corp:3128"}, {"NO_PROXY", " .internal ,10.0.0.1,*.x"}}));
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->https);
  EXPECT_EQ(s->https->ep.host, "proxy.corp");
  EXPECT_EQ(s->https->ep.port, 3128);
  EXPECT_TRUE(s->https->authorization.empty());
  auto ep = [](const char* u) { return parse_endpoint(u).value(); };
  EXPECT_NE(s->for_endpoint(ep("https://sqs.us-east-1.amazonaws.com")), nullptr);
  EXPECT_EQ(s->for_endpoint(ep("https://api.internal")), nullptr);
  EXPECT_EQ(s->for_endpoint(ep("https://internal")), nullptr);
  EXPECT_NE(s->for_endpoint(ep("https://notinternal")), nullptr);
  EXPECT_EQ(s->for_endpoint(ep("https://10.0.0.1")), nullptr);
  EXPECT_EQ(s->for_endpoint(ep("http://plain.example")), nullptr) << "no HTTP_PROXY set";
  auto all = proxy_settings_from_env(map_env({{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", "*"}})).value();
  EXPECT_EQ(all.for_endpoint(ep("https://sqs.us-east-1.amazonaws.com")), nullptr);
}

TEST(proxy_settings, credentials_become_basic_auth_and_are_never_echoed) {
  auto s = proxy_settings_from_env(map_env({{"HTTPS_PROXY", "http://user:p%40ss@proxy:8080"}})).value();
  EXPECT_EQ(s.https->authorization.reveal(), "Basic dXNlcjpwQHNz");
  auto bad = proxy_settings_from_env(map_env({{"HTTPS_PROXY", "http://user:secretpw@:x"}}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message().find("secretpw"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("HTTPS_PROXY"), std::string::npos);
  EXPECT_FALSE(proxy_settings_from_env(map_env({{"HTTPS_PROXY", "https://proxy:443"}})));
}

TEST(ca_discovery, order_and_errors) {
  std::set<std::string> files{"/etc/pki/tls/certs/ca-bundle.crt", "/custom.pem"};
  auto exists = [&](const std::string& p, bool dir) { return !dir && files.count(p); };
  EXPECT_EQ(find_ca_bundle(map_env({}), exists)->file, "/etc/pki/tls/certs/ca-bundle.crt") << "Amazon Linux path found";
  EXPECT_EQ(find_ca_bundle(map_env({{"SSL_CERT_FILE", "/custom.pem"}}), exists)->source, "SSL_CERT_FILE");
  EXPECT_EQ(find_ca_bundle(map_env({{"AWS_CA_BUNDLE", "/custom.pem"}}), exists)->source, "AWS_CA_BUNDLE");
  auto missing = find_ca_bundle(map_env({{"AWS_CA_BUNDLE", "/nope.pem"}}), exists);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/nope.pem"), std::string::npos);
  auto none = find_ca_bundle(map_env({}), [](const std::string&, bool) { return false; });
  ASSERT_FALSE(none);
  for (const auto& f : well_known_ca_files()) EXPECT_NE(none.error().message().find(f), std::string::npos) << f;
  auto dir_only = find_ca_bundle(map_env({}), [](const std::string& p, bool dir) { return dir && p == "/etc/ssl/certs"; });
  ASSERT_TRUE(dir_only);
  EXPECT_EQ(dir_only->dir, "/etc/ssl/certs");
}

TEST(tls, a_hashed_directory_is_preferred_to_a_bundle_and_an_unhashed_one_is_not) {
  // Debian: bundle and hashed /etc/ssl/certs side by side; the directory wins (CAs read on demand).
  auto debian = [](const std::string& p, bool dir) {
    return dir ? p == "/etc/ssl/certs" : p == "/etc/ssl/certs/ca-certificates.crt";
  };
  auto hashed = [](const std::string& p) { return p == "/etc/ssl/certs"; };
  auto loc = find_ca_bundle(map_env({}), debian, hashed);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->dir, "/etc/ssl/certs");
  EXPECT_TRUE(loc->file.empty());
  EXPECT_NE(loc->source.find("hashed"), std::string::npos) << loc->source;
  // The same directory without hash names (Amazon Linux 2's /etc/pki/tls/certs is like this): the bundle.
  auto unhashed = find_ca_bundle(map_env({}), debian, [](const std::string&) { return false; });
  ASSERT_TRUE(unhashed);
  EXPECT_EQ(unhashed->file, "/etc/ssl/certs/ca-certificates.crt");
  // Amazon Linux 2023 / RHEL 9: the directory-hash tree.
  auto al2023 = [](const std::string& p, bool dir) {
    return dir ? p == "/etc/pki/ca-trust/extracted/pem/directory-hash" : p == "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
  };
  auto l2 = find_ca_bundle(map_env({}), al2023, [](const std::string&) { return true; });
  ASSERT_TRUE(l2);
  EXPECT_EQ(l2->dir, "/etc/pki/ca-trust/extracted/pem/directory-hash");
  // An explicit AWS_CA_BUNDLE still wins.
  EXPECT_EQ(find_ca_bundle(map_env({{"AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"}}), debian, hashed)->source, "AWS_CA_BUNDLE");
}

TEST(tls, hash_names_are_eight_hex_digits_a_dot_and_a_number) {
  EXPECT_TRUE(is_hash_name("5ad8a5d6.0"));
  EXPECT_TRUE(is_hash_name("5ad8a5d6.12"));
  EXPECT_FALSE(is_hash_name("5AD8A5D6.0")) << "OpenSSL writes lower case";
  EXPECT_FALSE(is_hash_name("5ad8a5d6.r0")) << "CRLs are not CAs";
  EXPECT_FALSE(is_hash_name("5ad8a5d6."));
  EXPECT_FALSE(is_hash_name("ca-bundle.crt"));
  EXPECT_FALSE(is_hash_name("README.0"));
}

TEST(tls, is_hashed_ca_dir_looks_for_openssl_hash_names) {
  const auto d = std::filesystem::temp_directory_path() / ("hookd-hashdir-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  std::ofstream(d / "ca-bundle.crt") << "x";
  std::ofstream(d / "README.0") << "x";
  EXPECT_FALSE(is_hashed_ca_dir(d.string()));
  std::ofstream(d / "5ad8a5d6.0") << "x";
  EXPECT_TRUE(is_hashed_ca_dir(d.string()));
  EXPECT_FALSE(is_hashed_ca_dir((d / "missing").string()));
  std::filesystem::remove_all(d);
}
