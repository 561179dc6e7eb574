// SPDX-License-Identifier: Apache-2.0
// SQS request bodies and answers: no I/O (sqs.cpp holds the client).
#include "hookd/aws/sqs.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

namespace hookd::aws {
namespace json = boost::json;

namespace {
outcome<json::object> parse_object(std::string_view body, const char* what) {
  if (auto o = json_object(body)) return std::move(*o);
  return make_error(errc::protocol_error, std::string("SQS ") + what + " returned a body that is not a JSON object");
}
} // namespace

std::string sqs_receive_body(const std::string& queue_url, int max_messages, int wait_seconds,
                             std::optional<int> visibility_timeout) {
  json::object o{{"QueueUrl", queue_url},
                 {"MaxNumberOfMessages", std::clamp(max_messages, 1, 10)},
                 {"WaitTimeSeconds", std::clamp(wait_seconds, 0, sqs_max_wait_seconds)},
                 {"MessageSystemAttributeNames", json::array{"ApproximateReceiveCount", "SentTimestamp"}},
                 {"AttributeNames", json::array{"ApproximateReceiveCount", "SentTimestamp"}},
                 {"MessageAttributeNames", json::array{"All"}}};
  if (visibility_timeout) o["VisibilityTimeout"] = *visibility_timeout;
  return json::serialize(o);
}

outcome<std::vector<sqs_message>> parse_sqs_receive(std::string_view body) {
  auto o = parse_object(body, "ReceiveMessage");
  if (!o) return o.error();
  std::vector<sqs_message> out;
  auto* msgs = o->if_contains("Messages");
  if (!msgs || msgs->is_null()) return out;
  if (!msgs->is_array()) return make_error(errc::protocol_error, "SQS ReceiveMessage: 'Messages' is not an array");
  for (const auto& v : msgs->as_array()) {
    if (!v.is_object()) continue;
    const auto& m = v.as_object();
    sqs_message msg;
    msg.message_id = string_field(m, "MessageId");
    msg.receipt_handle = string_field(m, "ReceiptHandle");
    msg.body = string_field(m, "Body");
    if (msg.receipt_handle.empty()) continue; // nothing we could ever delete or release
    if (auto* attrs = m.if_contains("Attributes"); attrs && attrs->is_object()) {
      for (const auto& [k, val] : attrs->as_object())
        if (val.is_string()) msg.attributes[std::string(k)] = std::string(val.as_string());
    }
    if (auto it = msg.attributes.find("ApproximateReceiveCount"); it != msg.attributes.end())
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), msg.receive_count);
    if (auto it = msg.attributes.find("SentTimestamp"); it != msg.attributes.end()) {
      long long ms = 0;
      // Only times sys_time can hold (found by fuzzing: 17064496800000 ms overflowed it); outside
      // that the message simply has no SentTimestamp.
      constexpr long long max_ms = 9'000'000'000'000LL; // 9e18 ns, as milliseconds
      if (std::from_chars(it->second.data(), it->second.data() + it->second.size(), ms).ec == std::errc{} &&
          ms >= 0 && ms < max_ms)
        msg.sent = sys_time{std::chrono::milliseconds(ms)};
    }
    out.push_back(std::move(msg));
  }
  return out;
}

outcome<sqs_batch_result> parse_sqs_batch(std::string_view body) {
  auto o = parse_object(body, "batch call");
  if (!o) return o.error();
  sqs_batch_result r;
  if (auto* s = o->if_contains("Successful"); s && s->is_array())
    for (const auto& v : s->as_array())
      if (v.is_object()) r.succeeded.push_back(string_field(v.as_object(), "Id"));
  if (auto* f = o->if_contains("Failed"); f && f->is_array())
    for (const auto& v : f->as_array()) {
      if (!v.is_object()) continue;
      const auto& e = v.as_object();
      bool sender = false;
      if (auto* sf = e.if_contains("SenderFault"); sf && sf->is_bool()) sender = sf->as_bool();
      r.failed.push_back({string_field(e, "Id"), string_field(e, "Code"), string_field(e, "Message"), sender});
    }
  return r;
}

outcome<std::map<std::string, std::string>> parse_sqs_attributes(std::string_view body) {
  auto o = parse_object(body, "GetQueueAttributes");
  if (!o) return o.error();
  std::map<std::string, std::string> out;
  if (auto* a = o->if_contains("Attributes"); a && a->is_object())
    for (const auto& [k, v] : a->as_object())
      if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
  return out;
}

outcome<http::endpoint> endpoint_of_queue_url(std::string_view queue_url) {
  auto scheme_end = queue_url.find("://");
  if (scheme_end == std::string_view::npos)
    return make_error(errc::invalid_input, "queue URL '" + std::string(queue_url) +
                                               "' is not a URL (expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)");
  auto path = queue_url.find('/', scheme_end + 3);
  return http::parse_endpoint(queue_url.substr(0, path));
}

} // namespace hookd::aws
