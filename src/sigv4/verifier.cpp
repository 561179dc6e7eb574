// SPDX-License-Identifier: Apache-2.0
#include "hookd/sigv4/verifier.hpp"

#include "hookd/sigv4/signer.hpp"

#include <algorithm>
#include <cctype>

namespace hookd::sigv4 {
namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}
} // namespace

outcome<parsed_authorization> parse_authorization(std::string_view value) {
  auto bad = [](const std::string& why) {
    return make_error(errc::invalid_input, "Authorization header malformed: " + why);
  };
  if (!value.starts_with(algorithm)) return bad("it does not start with AWS4-HMAC-SHA256");
  value.remove_prefix(algorithm.size());
  parsed_authorization out;
  std::string credential, signed_list;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const auto part = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) return bad("a component without '='");
    const auto key = part.substr(0, eq), val = part.substr(eq + 1);
    if (key == "Credential") credential = std::string(val);
    else if (key == "SignedHeaders") signed_list = std::string(val);
    else if (key == "Signature") out.signature = std::string(val);
  }
  if (credential.empty() || signed_list.empty() || out.signature.empty())
    return bad("Credential, SignedHeaders and Signature are all required");
  std::vector<std::string> scope;
  for (std::size_t pos = 0;;) {
    const auto slash = credential.find('/', pos);
    scope.push_back(credential.substr(pos, slash - pos));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  if (scope.size() != 5 || scope[4] != "aws4_request") return bad("Credential is not AKID/day/region/service/aws4_request");
  out.access_key_id = scope[0];
  out.day = scope[1];
  out.region = scope[2];
  out.service = scope[3];
  for (std::size_t pos = 0;;) {
    const auto semi = signed_list.find(';', pos);
    out.signed_headers.push_back(signed_list.substr(pos, semi - pos));
    if (semi == std::string::npos) break;
    pos = semi + 1;
  }
  return out;
}

verify_result verify(const received_request& req, const parsed_authorization& auth, const secret_string& secret,
                     std::string_view amz_date_text, bool s3) {
  header_list chosen;
  for (const auto& h : req.headers)
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), lower(h.name)) != auth.signed_headers.end())
      chosen.push_back(h);
  const auto headers = canonical_headers(chosen);
  auto query = parse_query(req.raw_query);
  std::erase_if(query, [](const auto& q) { return q.first == "X-Amz-Signature"; });
  verify_result r;
  r.canonical_request = canonical_request(req.method, canonical_path(req.path, s3 ? path_rules{false, false} : path_rules{}),
                                          canonical_query(query), headers, req.payload_hash);
  r.string_to_sign = string_to_sign(amz_date_text, credential_scope(auth.day, auth.region, auth.service), r.canonical_request);
  const signing_key key(secret, auth.day, auth.region, auth.service);
  r.ok = headers.signed_headers.size() > 0 && key.sign(r.string_to_sign) == secret_string(auth.signature);
  // Every header named in SignedHeaders must have been received.
  std::string expected;
  for (const auto& n : auth.signed_headers) expected += (expected.empty() ? "" : ";") + n;
  if (headers.signed_headers != expected) r.ok = false;
  return r;
}

} // namespace hookd::sigv4
