#pragma once
// SPDX-License-Identifier: Apache-2.0
// The receiving side of SigV4: parse an Authorization header and recompute the signature from the
// request as received. The emulator uses it to answer exactly as AWS would; the signer it checks
// is pinned by independent vectors, so sharing the canonical pieces is not circular. Pure.
#include "hookd/core/error.hpp"
#include "hookd/core/secret.hpp"
#include "hookd/sigv4/canonical.hpp"

#include <string>
#include <vector>

namespace hookd::sigv4 {

struct parsed_authorization {
  std::string access_key_id;
  std::string day, region, service; ///< the credential scope
  std::vector<std::string> signed_headers;
  std::string signature;
};

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/day/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`.
outcome<parsed_authorization> parse_authorization(std::string_view value);

struct received_request {
  std::string method;
  std::string path;       ///< as received on the wire
  std::string raw_query;  ///< as received, without '?'
  header_list headers;    ///< every header received
  std::string payload_hash;
};

/// Recomputes the signature with `secret` and the scope and signed headers named in `auth`.
/// `s3` selects S3's path rules. Returns the canonical request on mismatch (for the error body,
/// as AWS returns it), nothing on success.
struct verify_result {
  bool ok = false;
  std::string canonical_request;
  std::string string_to_sign;
};
verify_result verify(const received_request& req, const parsed_authorization& auth, const secret_string& secret,
                     std::string_view amz_date, bool s3);

} // namespace hookd::sigv4
