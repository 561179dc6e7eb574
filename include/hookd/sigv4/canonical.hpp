#pragma once
// SPDX-License-Identifier: Apache-2.0
// The pieces of a SigV4 canonical request, each a pure function so a test can compare every stage
// with the official suite (the decomposition follows aws-c-auth's s_build_canonical_request_sigv4).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::sigv4 {

struct header {
  std::string name;
  std::string value;
};
using header_list = std::vector<header>;
/// Query parameters, *decoded*; the signer encodes them itself.
using query_list = std::vector<std::pair<std::string, std::string>>;

/// RFC 3986 encoding with SigV4's unreserved set `A-Za-z0-9-_.~` and upper-case hex.
/// `keep_slash` leaves '/' alone (for paths).
std::string uri_encode(std::string_view s, bool keep_slash = false);
/// Decodes `%XX` escapes; '+' stays '+' (SigV4 never treats '+' as a space). Bad escapes stay as written.
std::string uri_decode(std::string_view s);

/// Removes `.` and `..` segments and empty (`//`) segments; keeps a trailing '/' only where the
/// input ends with one (RFC 3986 §5.2.4, as the non-S3 services compute it). Never escapes the root.
std::string normalize_path(std::string_view path);

struct path_rules {
  bool normalize = true;     ///< false for S3: object keys may contain `.`/`..`/`//` literally
  bool double_encode = true; ///< false for S3: the wire path (already encoded) is used as it is
};
/// The canonical URI from the path as sent on the wire (already percent-encoded where needed).
std::string canonical_path(std::string_view wire_path, path_rules rules);

/// Splits a raw query string (`a=1&b=%20`) into decoded pairs.
query_list parse_query(std::string_view raw);
/// Encodes every name and value, sorts by encoded name then value, joins with '&'.
std::string canonical_query(const query_list& params);

/// Headers SigV4 must not sign because proxies and clients may change them on the way
/// (aws-c-auth's skip list): user-agent, x-amzn-trace-id, connection, transfer-encoding, expect,
/// upgrade, proxy-*, te, keep-alive.
bool is_unsigned_header(std::string_view lower_name);

/// A header value as SigV4 signs it: trimmed, inner whitespace runs collapsed to one space.
std::string canonical_header_value(std::string_view value);

struct canonical_header_block {
  std::string block;          ///< "name:value\n" per distinct name, sorted; repeated names joined by ','
  std::string signed_headers; ///< "a;b;c"
};
/// Canonicalizes the given headers (all of them: filtering unsigned ones is the caller's choice).
canonical_header_block canonical_headers(const header_list& headers);

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query_string, const canonical_header_block& headers,
                              std::string_view payload_hash);

} // namespace hookd::sigv4
