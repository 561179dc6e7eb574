#pragma once
// SPDX-License-Identifier: Apache-2.0
// AWS Signature Version 4, header and presigned-URL forms, as pure functions over a request's parts.
// Stages (canonical request, string to sign, signing key, signature, Authorization) are exposed one
// by one so the test suite can name the stage that differs from AWS's vectors.
#include "hookd/aws/credentials.hpp"
#include "hookd/core/error.hpp"
#include "hookd/crypto/digest.hpp"
#include "hookd/sigv4/canonical.hpp"

#include <chrono>
#include <string>

namespace hookd::sigv4 {

inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";

/// How a service wants its requests signed. The S3 exceptions are flags, not `if (service == "s3")`
/// (aws-c-auth signing_config.h: use_double_uri_encode, should_normalize_uri_path).
struct signing_params {
  std::string region;
  std::string service;
  sys_time time;
  path_rules path{};
  /// S3 signs `x-amz-content-sha256` and uses it as the payload hash.
  bool add_content_sha256_header = false;
  /// Some services want the token added after signing (the suites' "post-sts-header-after").
  bool omit_session_token = false;

  /// The rules for every service but S3: normalized, double-encoded path.
  static signing_params for_service(std::string region, std::string service, sys_time time);
  /// S3's rules: the wire path as it is, `x-amz-content-sha256` signed.
  static signing_params for_s3(std::string region, sys_time time);
};

/// The parts of an HTTP request the signer reads and amends. `headers` must contain `host`.
struct request_parts {
  std::string method;
  std::string path;   ///< as sent on the wire (percent-encoded where needed), without the query
  query_list query;   ///< decoded
  header_list headers;
};

struct signing_result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string credential_scope;
  std::string signed_headers;
  secret_string signature;
  secret_string authorization; ///< header form only: the Authorization header value
};

/// `day/region/service/aws4_request`.
std::string credential_scope(std::string_view day, std::string_view region, std::string_view service);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);

/// The derived key HMAC(HMAC(HMAC(HMAC("AWS4"+secret, day), region), service), "aws4_request").
class signing_key {
public:
  signing_key(const secret_string& secret, std::string_view day, std::string_view region,
              std::string_view service);
  ~signing_key();
  signing_key(const signing_key&) = default;
  signing_key& operator=(const signing_key&) = default;

  /// Hex HMAC-SHA256 of the string to sign: the signature.
  secret_string sign(std::string_view string_to_sign) const;

private:
  crypto::sha256_digest key_;
};

/// Derivation costs four HMACs; the key changes once a day per (access key, region, service), so
/// it is kept (aws-sdk-cpp caches it the same way). Not thread-safe: one per io_context thread.
class signing_key_cache {
public:
  const signing_key& get(const aws::credentials& creds, std::string_view day, std::string_view region,
                         std::string_view service);

private:
  struct entry {
    std::string access_key_id, day, region, service;
    secret_string secret;
    signing_key key;
  };
  std::vector<entry> entries_;
};

/// Header signing: adds `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials),
/// `x-amz-content-sha256` (S3) and `Authorization` to `req.headers`.
/// `payload_hash` is the hex SHA-256 of the body or `UNSIGNED-PAYLOAD`.
/// Fails when the caller already set a header the signer owns (Authorization, X-Amz-Date, ...).
outcome<signing_result> sign_headers(request_parts& req, std::string_view payload_hash,
                                     const aws::credentials& creds, const signing_params& params,
                                     signing_key_cache* cache = nullptr);

/// Presigned-URL signing: adds the `X-Amz-*` query parameters, `X-Amz-Signature` last.
outcome<signing_result> presign(request_parts& req, std::string_view payload_hash, const aws::credentials& creds,
                                const signing_params& params, std::chrono::seconds expires,
                                signing_key_cache* cache = nullptr);

/// The Authorization header value from its parts.
std::string authorization_value(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature);

} // namespace hookd::sigv4
