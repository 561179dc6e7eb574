#include "hookd/http/proxy.hpp"
#include "hookd/http/tls.hpp"

#include <gtest/gtest.h>

#include <set>

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
