// SPDX-License-Identifier: Apache-2.0
// Signer behaviour the vectors cannot show: what it adds, what it refuses, its key cache.
#include "hookd/sigv4/signer.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace std::chrono;

namespace {
aws::credentials creds(std::string token = {}) {
  aws::credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = secret_string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  if (!token.empty()) c.session_token = secret_string(token);
  return c;
}
const hookd::sys_time suite_time = sys_days{year{2015} / 8 / 30} + 12h + 36min;

sigv4::request_parts get_vanilla() { return {"GET", "/", {}, {{"Host", "example.amazonaws.com"}}}; }

std::string value_of(const sigv4::header_list& h, std::string_view name) {
  for (const auto& x : h)
    if (x.name == name) return x.value;
  return {};
}
} // namespace

TEST(signer, header_signing_adds_date_token_and_authorization) {
  auto req = get_vanilla();
  auto r = sigv4::sign_headers(req, crypto::empty_sha256_hex, creds("TOKEN"),
                               sigv4::signing_params::for_service("us-east-1", "service", suite_time));
  ASSERT_TRUE(r);
  EXPECT_EQ(value_of(req.headers, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(value_of(req.headers, "X-Amz-Security-Token"), "TOKEN");
  EXPECT_EQ(value_of(req.headers, "Authorization"), r->authorization.reveal());
  EXPECT_EQ(r->signed_headers, "host;x-amz-date;x-amz-security-token");
  EXPECT_EQ(r->credential_scope, "20150830/us-east-1/service/aws4_request");
}

TEST(signer, s3_signs_content_sha256_and_keeps_path) {
  sigv4::request_parts req{"GET", "/bucket/a//b/../key%20x", {}, {{"Host", "s3.us-east-1.amazonaws.com"}}};
  auto r = sigv4::sign_headers(req, sigv4::unsigned_payload, creds(), sigv4::signing_params::for_s3("us-east-1", suite_time));
  ASSERT_TRUE(r);
  EXPECT_EQ(value_of(req.headers, "X-Amz-Content-SHA256"), "UNSIGNED-PAYLOAD");
  EXPECT_NE(r->canonical_request.find("\n/bucket/a//b/../key%20x\n"), std::string::npos);
  EXPECT_NE(r->signed_headers.find("x-amz-content-sha256"), std::string::npos);
  EXPECT_TRUE(r->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

TEST(signer, refuses_headers_it_owns_and_requests_without_host) {
  for (const char* owned : {"Authorization", "x-amz-date", "X-Amz-Security-Token"}) {
    auto req = get_vanilla();
    req.headers.push_back({owned, "x"});
    auto r = sigv4::sign_headers(req, crypto::empty_sha256_hex, creds(),
                                 sigv4::signing_params::for_service("us-east-1", "sqs", suite_time));
    ASSERT_FALSE(r) << owned;
    EXPECT_NE(r.error().message().find(owned), std::string::npos);
  }
  sigv4::request_parts no_host{"GET", "/", {}, {}};
  EXPECT_FALSE(sigv4::sign_headers(no_host, crypto::empty_sha256_hex, creds(),
                                   sigv4::signing_params::for_service("us-east-1", "sqs", suite_time)));
  auto req = get_vanilla();
  EXPECT_FALSE(sigv4::sign_headers(req, crypto::empty_sha256_hex, aws::credentials{},
                                   sigv4::signing_params::for_service("us-east-1", "sqs", suite_time)));
}

TEST(signer, user_agent_is_sent_but_not_signed) {
  auto req = get_vanilla();
  req.headers.push_back({"User-Agent", "hookd/0.1"});
  auto r = sigv4::sign_headers(req, crypto::empty_sha256_hex, creds(),
                               sigv4::signing_params::for_service("us-east-1", "sqs", suite_time));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signed_headers, "host;x-amz-date");
}

TEST(signer, presign_adds_query_with_signature_last) {
  auto req = get_vanilla();
  auto r = sigv4::presign(req, crypto::empty_sha256_hex, creds("TOK"),
                          sigv4::signing_params::for_service("us-east-1", "service", suite_time), seconds(3600));
  ASSERT_TRUE(r);
  ASSERT_FALSE(req.query.empty());
  EXPECT_EQ(req.query.back().first, "X-Amz-Signature");
  EXPECT_EQ(req.query.back().second, r->signature.reveal());
  EXPECT_NE(r->canonical_request.find("X-Amz-Security-Token=TOK"), std::string::npos);
  auto req2 = get_vanilla();
  EXPECT_FALSE(sigv4::presign(req2, crypto::empty_sha256_hex, creds(),
                              sigv4::signing_params::for_service("us-east-1", "service", suite_time), seconds(0)));
}

TEST(signer, key_cache_matches_fresh_derivation_and_tracks_secret_changes) {
  sigv4::signing_key_cache cache;
  auto c = creds();
  const auto& k1 = cache.get(c, "20150830", "us-east-1", "sqs");
  const sigv4::signing_key fresh(c.secret_access_key, "20150830", "us-east-1", "sqs");
  EXPECT_EQ(k1.sign("x").reveal(), fresh.sign("x").reveal());
  EXPECT_EQ(&cache.get(c, "20150830", "us-east-1", "sqs"), &k1);

  auto rotated = c;
  rotated.secret_access_key = secret_string("another-secret");
  const auto& k2 = cache.get(rotated, "20150830", "us-east-1", "sqs");
  EXPECT_NE(k2.sign("x").reveal(), fresh.sign("x").reveal());

  // Signing with and without the cache gives the same result.
  auto a = get_vanilla(), b = get_vanilla();
  const auto p = sigv4::signing_params::for_service("us-east-1", "sqs", suite_time);
  auto ra = sigv4::sign_headers(a, crypto::empty_sha256_hex, c, p, &cache);
  auto rb = sigv4::sign_headers(b, crypto::empty_sha256_hex, c, p);
  EXPECT_EQ(ra->signature.reveal(), rb->signature.reveal());
}
