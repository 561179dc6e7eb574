// SPDX-License-Identifier: Apache-2.0
#include "hookd/sigv4/signer.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace hookd::sigv4 {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Headers the signer itself owns: a caller-supplied copy would be signed twice or contradict
// what we compute (aws-c-auth rejects the same list as "forbidden" inputs).
outcome<void> check_no_owned_headers(const request_parts& req) {
  for (const auto& h : req.headers)
    for (std::string_view owned : {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})
      if (iequals(h.name, owned))
        return make_error(errc::signing_failed,
                          "cannot sign request: header '" + h.name + "' is set by the signer, not the caller");
  for (const auto& q : req.query)
    if (q.first.starts_with("X-Amz-Signature") || q.first == "X-Amz-Credential")
      return make_error(errc::signing_failed, "cannot sign request: query parameter '" + q.first +
                                                  "' is set by the signer, not the caller");
  return {};
}

bool has_host(const request_parts& req) {
  return std::any_of(req.headers.begin(), req.headers.end(), [](const header& h) { return iequals(h.name, "host"); });
}

header_list signed_subset(const header_list& headers) {
  header_list out;
  out.reserve(headers.size());
  for (const auto& h : headers) {
    std::string lower(h.name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_unsigned_header(lower)) out.push_back(h);
  }
  return out;
}

outcome<void> check_inputs(const request_parts& req, const aws::credentials& creds, const signing_params& p) {
  if (auto r = check_no_owned_headers(req); !r) return r;
  if (!has_host(req)) return make_error(errc::signing_failed, "cannot sign request: it has no Host header");
  if (creds.access_key_id.empty() || creds.secret_access_key.empty())
    return make_error(errc::no_credentials, "cannot sign request: the credentials have no access key or secret");
  if (p.region.empty() || p.service.empty())
    return make_error(errc::signing_failed, "cannot sign request: region and service must be set");
  return {};
}

const signing_key& key_for(const aws::credentials& creds, std::string_view day, const signing_params& p,
                           signing_key_cache* cache, std::optional<signing_key>& local) {
  if (cache) return cache->get(creds, day, p.region, p.service);
  local.emplace(creds.secret_access_key, day, p.region, p.service);
  return *local;
}

} // namespace

signing_params signing_params::for_service(std::string region, std::string service, sys_time time) {
  return signing_params{std::move(region), std::move(service), time, path_rules{true, true}, false, false};
}

signing_params signing_params::for_s3(std::string region, sys_time time) {
  return signing_params{std::move(region), "s3", time, path_rules{false, false}, true, false};
}

std::string credential_scope(std::string_view day, std::string_view region, std::string_view service) {
  std::string out;
  out.append(day).push_back('/');
  out.append(region).push_back('/');
  out.append(service).append("/aws4_request");
  return out;
}

std::string string_to_sign(std::string_view amz_date_text, std::string_view scope, std::string_view creq) {
  std::string out(algorithm);
  out.push_back('\n');
  out.append(amz_date_text).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(crypto::sha256_hex(creq));
  return out;
}

signing_key::signing_key(const secret_string& secret, std::string_view day, std::string_view region,
                         std::string_view service) {
  std::string seed = "AWS4";
  seed.append(secret.reveal());
  key_ = crypto::hmac_sha256(std::string_view(seed), day);
  OPENSSL_cleanse(seed.data(), seed.size());
  key_ = crypto::hmac_sha256(key_, region);
  key_ = crypto::hmac_sha256(key_, service);
  key_ = crypto::hmac_sha256(key_, "aws4_request");
}

signing_key::~signing_key() { OPENSSL_cleanse(key_.data(), key_.size()); }

secret_string signing_key::sign(std::string_view sts) const {
  return secret_string(crypto::to_hex(crypto::hmac_sha256(key_, sts)));
}

const signing_key& signing_key_cache::get(const aws::credentials& creds, std::string_view day,
                                          std::string_view region, std::string_view service) {
  for (auto& e : entries_)
    if (e.access_key_id == creds.access_key_id && e.day == day && e.region == region && e.service == service &&
        e.secret == creds.secret_access_key)
      return e.key;
  // A new day or new credentials make every older entry useless: drop them rather than grow.
  std::erase_if(entries_, [&](const entry& e) { return e.day != day || e.access_key_id != creds.access_key_id; });
  entries_.push_back(entry{creds.access_key_id, std::string(day), std::string(region), std::string(service),
                           creds.secret_access_key,
                           signing_key(creds.secret_access_key, day, region, service)});
  return entries_.back().key;
}

std::string authorization_value(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature) {
  std::string out(algorithm);
  out.append(" Credential=").append(access_key_id).push_back('/');
  out.append(scope).append(", SignedHeaders=").append(signed_headers);
  out.append(", Signature=").append(signature);
  return out;
}

outcome<signing_result> sign_headers(request_parts& req, std::string_view payload_hash,
                                     const aws::credentials& creds, const signing_params& p,
                                     signing_key_cache* cache) {
  if (auto r = check_inputs(req, creds, p); !r) return r.error();
  const auto date = amz_date(p.time);
  const auto day = date.substr(0, 8);

  req.headers.push_back({"X-Amz-Date", date});
  if (creds.temporary() && !p.omit_session_token)
    req.headers.push_back({"X-Amz-Security-Token", std::string(creds.session_token.reveal())});
  if (p.add_content_sha256_header) req.headers.push_back({"X-Amz-Content-SHA256", std::string(payload_hash)});

  signing_result out;
  const auto headers = canonical_headers(signed_subset(req.headers));
  out.signed_headers = headers.signed_headers;
  out.canonical_request = canonical_request(req.method, canonical_path(req.path, p.path), canonical_query(req.query),
                                            headers, payload_hash);
  out.credential_scope = credential_scope(day, p.region, p.service);
  out.string_to_sign = string_to_sign(date, out.credential_scope, out.canonical_request);
  std::optional<signing_key> local;
  out.signature = key_for(creds, day, p, cache, local).sign(out.string_to_sign);
  out.authorization = secret_string(
      authorization_value(creds.access_key_id, out.credential_scope, out.signed_headers, out.signature.reveal()));

  if (creds.temporary() && p.omit_session_token)
    req.headers.push_back({"X-Amz-Security-Token", std::string(creds.session_token.reveal())});
  req.headers.push_back({"Authorization", std::string(out.authorization.reveal())});
  return out;
}

outcome<signing_result> presign(request_parts& req, std::string_view payload_hash, const aws::credentials& creds,
                                const signing_params& p, std::chrono::seconds expires, signing_key_cache* cache) {
  if (auto r = check_inputs(req, creds, p); !r) return r.error();
  if (expires.count() < 1 || expires.count() > 7 * 24 * 3600)
    return make_error(errc::signing_failed, "cannot presign: expiry must be 1 second to 7 days");
  const auto date = amz_date(p.time);
  const auto day = date.substr(0, 8);

  signing_result out;
  out.credential_scope = credential_scope(day, p.region, p.service);
  const auto headers = canonical_headers(signed_subset(req.headers));
  out.signed_headers = headers.signed_headers;

  req.query.emplace_back("X-Amz-Algorithm", std::string(algorithm));
  req.query.emplace_back("X-Amz-Credential", creds.access_key_id + "/" + out.credential_scope);
  req.query.emplace_back("X-Amz-Date", date);
  req.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  req.query.emplace_back("X-Amz-SignedHeaders", out.signed_headers);
  if (creds.temporary() && !p.omit_session_token)
    req.query.emplace_back("X-Amz-Security-Token", std::string(creds.session_token.reveal()));

  out.canonical_request = canonical_request(req.method, canonical_path(req.path, p.path), canonical_query(req.query),
                                            headers, payload_hash);
  out.string_to_sign = string_to_sign(date, out.credential_scope, out.canonical_request);
  std::optional<signing_key> local;
  out.signature = key_for(creds, day, p, cache, local).sign(out.string_to_sign);

  if (creds.temporary() && p.omit_session_token)
    req.query.emplace_back("X-Amz-Security-Token", std::string(creds.session_token.reveal()));
  req.query.emplace_back("X-Amz-Signature", std::string(out.signature.reveal()));
  return out;
}

} // namespace hookd::sigv4
