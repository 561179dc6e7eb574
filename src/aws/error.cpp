// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/error.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <algorithm>
#include <array>
#include <sstream>

namespace hookd::aws {
namespace pt = boost::property_tree;
namespace json = boost::json;

std::string service_error::describe() const {
  std::string out = "AWS error " + (code.empty() ? std::string("(no code)") : code) + " (HTTP " + std::to_string(status) + ")";
  if (!message.empty()) out += ": " + message;
  if (!bucket_region.empty()) out += " (the bucket is in region " + bucket_region + ")";
  if (!request_id.empty()) out += " [request id " + request_id + "]";
  return out;
}

namespace {
std::string code_from_status(unsigned status) {
  switch (status) {
  case 301: return "PermanentRedirect";
  case 400: return "BadRequest";
  case 403: return "Forbidden";
  case 404: return "NotFound";
  case 413: return "RequestEntityTooLarge";
  case 429: return "TooManyRequests";
  case 500: return "InternalError";
  case 502: return "BadGateway";
  case 503: return "ServiceUnavailable";
  case 504: return "GatewayTimeout";
  default: return "Http" + std::to_string(status);
  }
}

void parse_json_error(std::string_view body, service_error& e) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.as_object();
  auto str = [&](std::string_view key) { return string_field(o, key); };
  // "__type": "com.amazonaws.sqs#QueueDoesNotExist" (or a bare code in older services).
  auto type = str("__type");
  if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
  if (auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
  if (!type.empty()) e.code = type;
  e.message = str("message");
  if (e.message.empty()) e.message = str("Message");
}

void parse_xml_error(std::string_view body, service_error& e) {
  pt::ptree tree;
  try {
    std::istringstream in{std::string(body)};
    pt::read_xml(in, tree, pt::xml_parser::trim_whitespace);
  } catch (const pt::ptree_error&) {
    return;
  }
  // Query protocol: ErrorResponse/Error/{Code,Message} + ErrorResponse/RequestId; S3: Error/{Code,Message,RequestId}.
  const pt::ptree* err = nullptr;
  std::string request_id;
  if (auto resp = tree.get_child_optional("ErrorResponse")) {
    err = resp->get_child_optional("Error").get_ptr();
    request_id = resp->get<std::string>("RequestId", "");
  } else if (auto s3 = tree.get_child_optional("Error")) {
    err = s3.get_ptr();
  } else if (auto sqs = tree.get_child_optional("Response.Errors.Error")) {
    err = sqs.get_ptr();
    request_id = tree.get<std::string>("Response.RequestID", "");
  }
  if (!err) return;
  e.code = err->get<std::string>("Code", e.code);
  e.message = err->get<std::string>("Message", "");
  if (request_id.empty()) request_id = err->get<std::string>("RequestId", "");
  if (!request_id.empty()) e.request_id = request_id;
  if (e.bucket_region.empty()) e.bucket_region = err->get<std::string>("Region", "");
}

bool is_one_of(std::string_view code, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), code) != list.end();
}
} // namespace

service_error parse_service_error(unsigned status, std::string_view body, protocol proto,
                                  std::string_view query_error_header, std::string_view request_id_header,
                                  std::string_view bucket_region_header) {
  service_error e;
  e.status = status;
  e.request_id = std::string(request_id_header);
  e.bucket_region = std::string(bucket_region_header);
  if (proto == protocol::json) parse_json_error(body, e);
  else parse_xml_error(body, e);
  // x-amzn-query-error: "AWS.SimpleQueueService.NonExistentQueue;Sender": the query-compatible code.
  if (e.code.empty() && !query_error_header.empty())
    e.code = std::string(query_error_header.substr(0, query_error_header.find(';')));
  if (e.code.empty()) e.code = code_from_status(status);
  if (e.message.empty() && !body.empty() && body.size() < 200 && body.find('<') == std::string_view::npos &&
      body.find('{') == std::string_view::npos)
    e.message = std::string(body);
  return e;
}

retry_kind classify(const service_error& e) {
  if (is_one_of(e.code, {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"}))
    return retry_kind::expired_credentials;
  if (is_one_of(e.code, {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"})) return retry_kind::clock_skew;
  if (is_one_of(e.code, {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                         "TooManyRequestsException", "ProvisionedThroughputExceededException",
                         "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
                         "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
                         "PriorRequestNotComplete"}) ||
      e.status == 429)
    return retry_kind::throttle;
  if (is_one_of(e.code, {"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
                         "ServiceUnavailable"}) ||
      e.status == 500 || e.status == 502 || e.status == 503 || e.status == 504)
    return retry_kind::transient;
  return retry_kind::none;
}

} // namespace hookd::aws
