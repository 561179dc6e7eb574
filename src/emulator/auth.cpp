// SPDX-License-Identifier: Apache-2.0
// Who may call the emulator (SigV4, as AWS checks it) and the error shapes of each service.
#include "impl.hpp"

namespace hookd::emulator {

server::impl::queue_rec* server::impl::find_queue_by_url(const std::string& url) {
  const auto slash = url.rfind('/');
  if (slash == std::string::npos) return nullptr;
  auto it = queues.find(url.substr(slash + 1));
  if (it == queues.end()) return nullptr;
  // The account segment must match too, as in AWS.
  if (url.find("/" + opt.account_id + "/") == std::string::npos) return nullptr;
  return &it->second;
}

server::impl::queue_rec* server::impl::find_queue_by_arn(const std::string& arn) {
  const auto colon = arn.rfind(':');
  if (colon == std::string::npos || arn.rfind("arn:aws:sqs:", 0) != 0) return nullptr;
  auto it = queues.find(arn.substr(colon + 1));
  return it == queues.end() ? nullptr : &it->second;
}

std::string server::impl::group_arn(const std::string& group) const {
  return "arn:aws:autoscaling:" + opt.region + ":" + opt.account_id +
         ":autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/" + group;
}

reply server::impl::sqs_error(unsigned status, const std::string& code, const std::string& message,
                       const std::string& query_code) {
  reply r;
  r.status = status;
  r.content_type = "application/x-amz-json-1.0";
  r.body = json::serialize(json::object{{"__type", "com.amazonaws.sqs#" + code}, {"message", message}});
  r.headers.emplace_back("x-amzn-query-error", (query_code.empty() ? code : query_code) + ";Sender");
  r.error_code = code;
  return r;
}

reply server::impl::json_error(unsigned status, const std::string& code, const std::string& message) {
  reply r{status, json::serialize(json::object{{"__type", code}, {"message", message}}), "application/x-amz-json-1.1"};
  r.error_code = code;
  return r;
}

reply server::impl::query_error(unsigned status, const std::string& code, const std::string& message) {
  reply r;
  r.status = status;
  r.content_type = "text/xml";
  r.body = "<ErrorResponse xmlns=\"" + std::string(asg_xmlns) + "\"><Error><Type>Sender</Type><Code>" + xml_escape(code) +
           "</Code><Message>" + xml_escape(message) + "</Message></Error><RequestId>" + uuid() +
           "</RequestId></ErrorResponse>";
  r.error_code = code;
  return r;
}

reply server::impl::s3_error(unsigned status, const std::string& code, const std::string& message, bool head) {
  reply r;
  r.status = status;
  r.content_type = "application/xml";
  if (!head)
    r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + xml_escape(code) + "</Code><Message>" +
             xml_escape(message) + "</Message><RequestId>" + random_hex(8) + "</RequestId></Error>";
  r.error_code = code;
  return r;
}

reply server::impl::error_for(const std::string& svc, unsigned status, const std::string& code, const std::string& message,
                       bool head) {
  if (svc == "sqs") return sqs_error(status, code, message);
  if (svc == "ecs") return json_error(status, code, message);
  if (svc == "s3") return s3_error(status, code, message, head);
  return query_error(status, code, message);
}

std::optional<reply> server::impl::authenticate(const bhttp::request<bhttp::string_body>& req, const std::string& svc,
                                  const std::string& path, const std::string& raw_query, std::string& key_id,
                                  bool head) {
  auto authz = req[bhttp::field::authorization];
  if (authz.empty())
    return error_for(svc, 403, svc == "s3" ? "AccessDenied" : "MissingAuthenticationToken",
                     "Request is missing Authentication Token", head);
  auto parsed = sigv4::parse_authorization(authz);
  if (!parsed) return error_for(svc, 400, svc == "s3" ? "AuthorizationHeaderMalformed" : "IncompleteSignature", parsed.error().message(), head);
  key_id = parsed->access_key_id;
  auto kit = keys.find(parsed->access_key_id);
  if (kit == keys.end())
    return error_for(svc, 403, svc == "s3" ? "InvalidAccessKeyId" : "InvalidClientTokenId",
                     "The security token included in the request is invalid.", head);
  const auto& key = kit->second;
  const std::string token(req["X-Amz-Security-Token"]);
  if (token != key.session_token)
    return error_for(svc, 403, svc == "s3" ? "InvalidToken" : "InvalidClientTokenId",
                     "The security token included in the request is invalid.", head);
  if (key.expires && now() >= *key.expires)
    return error_for(svc, svc == "s3" ? 400 : 403, "ExpiredToken", "The security token included in the request is expired", head);
  const std::string date(req["X-Amz-Date"]);
  auto t = parse_amz_date(date);
  if (!t) return error_for(svc, 400, svc == "s3" ? "AccessDenied" : "IncompleteSignature", "X-Amz-Date is missing or malformed", head);
  if (std::chrono::abs(*t - now()) > max_skew)
    return error_for(svc, 403, "RequestTimeTooSkewed",
                     "Signature expired: " + date + " is now earlier/later than the server time " + amz_date(now()) +
                         " by more than 5 minutes.",
                     head);
  if (parsed->region != opt.region)
    return error_for(svc, svc == "s3" ? 400 : 403, svc == "s3" ? "AuthorizationHeaderMalformed" : "SignatureDoesNotMatch",
                     "Credential should be scoped to a valid region, not '" + parsed->region + "'", head);
  if (parsed->service != svc)
    return error_for(svc, 403, "SignatureDoesNotMatch",
                     "Credential should be scoped to correct service: '" + svc + "'", head);
  if (parsed->day != date.substr(0, 8))
    return error_for(svc, 403, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date", head);
  for (const char* must : {"host", "x-amz-date"})
    if (std::find(parsed->signed_headers.begin(), parsed->signed_headers.end(), must) == parsed->signed_headers.end())
      return error_for(svc, 403, "SignatureDoesNotMatch", std::string("'") + must + "' must be a signed header", head);
  sigv4::received_request rr;
  rr.method = std::string(req.method_string());
  rr.path = path;
  rr.raw_query = raw_query;
  for (const auto& f : req) rr.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  if (svc == "s3") {
    rr.payload_hash = std::string(req["x-amz-content-sha256"]);
    if (rr.payload_hash.empty())
      return s3_error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", head);
    if (rr.payload_hash != sigv4::unsigned_payload && rr.payload_hash != crypto::sha256_hex(req.body()))
      return s3_error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", head);
  } else {
    rr.payload_hash = crypto::sha256_hex(req.body());
  }
  auto v = sigv4::verify(rr, *parsed, secret_string(key.secret), date, svc == "s3");
  if (!v.ok)
    return error_for(svc, 403, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you provided. Check your AWS "
                     "Secret Access Key and signing method.",
                     head);
  return std::nullopt;
}

} // namespace hookd::emulator
