// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/sqs.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace hookd::aws {
namespace json = boost::json;
namespace net = boost::asio;

namespace {
// The long-poll response may take the whole wait; allow for the network on top.
constexpr std::chrono::seconds long_poll_margin{10};

std::string batch_body(const std::string& queue_url, const std::vector<sqs_batch_entry>& entries, bool visibility) {
  json::array arr;
  for (const auto& e : entries) {
    json::object o{{"Id", e.id}, {"ReceiptHandle", e.receipt_handle}};
    if (visibility) o["VisibilityTimeout"] = e.visibility_timeout;
    arr.push_back(std::move(o));
  }
  return json::serialize(json::object{{"QueueUrl", queue_url}, {"Entries", std::move(arr)}});
}
} // namespace

sqs_client::sqs_client(caller& c, resolved_endpoint ep, std::string queue_url)
    : caller_(c), ep_(std::move(ep)), queue_url_(std::move(queue_url)) {}

net::awaitable<outcome<aws_response>> sqs_client::invoke(std::string operation, std::string body,
                                                         std::chrono::milliseconds timeout, std::size_t body_limit) {
  aws_request req;
  req.svc = service::sqs;
  req.operation = operation;
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS." + operation}};
  req.body = std::move(body);
  req.proto = protocol::json;
  req.timeout = timeout;
  req.body_limit = body_limit;
  co_return co_await caller_.call(ep_, std::move(req));
}

net::awaitable<outcome<std::vector<sqs_message>>> sqs_client::receive(int max_messages, int wait_seconds,
                                                                      std::optional<int> visibility_timeout) {
  auto r = co_await invoke("ReceiveMessage", sqs_receive_body(queue_url_, max_messages, wait_seconds, visibility_timeout),
                           std::chrono::seconds(wait_seconds) + long_poll_margin, sqs_receive_body_limit);
  if (!r) co_return r.error();
  co_return parse_sqs_receive(r->body);
}

net::awaitable<outcome<void>> sqs_client::delete_message(const std::string& handle) {
  // Bodies are built before co_await: GCC 12 miscompiles braced initializers inside co_await.
  std::string body = json::serialize(json::object{{"QueueUrl", queue_url_}, {"ReceiptHandle", handle}});
  auto r = co_await invoke(std::string("DeleteMessage"), std::move(body));
  if (!r) co_return r.error();
  co_return outcome<void>{};
}

net::awaitable<outcome<sqs_batch_result>> sqs_client::delete_batch(const std::vector<sqs_batch_entry>& entries) {
  auto r = co_await invoke("DeleteMessageBatch", batch_body(queue_url_, entries, false));
  if (!r) co_return r.error();
  co_return parse_sqs_batch(r->body);
}

net::awaitable<outcome<void>> sqs_client::change_visibility(const std::string& handle, int seconds) {
  std::string body = json::serialize(json::object{{"QueueUrl", queue_url_},
                                                  {"ReceiptHandle", handle},
                                                  {"VisibilityTimeout", std::clamp(seconds, 0, sqs_max_visibility_seconds)}});
  auto r = co_await invoke(std::string("ChangeMessageVisibility"), std::move(body));
  if (!r) co_return r.error();
  co_return outcome<void>{};
}

net::awaitable<outcome<sqs_batch_result>> sqs_client::change_visibility_batch(const std::vector<sqs_batch_entry>& entries) {
  auto r = co_await invoke("ChangeMessageVisibilityBatch", batch_body(queue_url_, entries, true));
  if (!r) co_return r.error();
  co_return parse_sqs_batch(r->body);
}

net::awaitable<outcome<std::map<std::string, std::string>>> sqs_client::get_attributes() {
  std::string body = json::serialize(json::object{{"QueueUrl", queue_url_}, {"AttributeNames", json::array{"All"}}});
  auto r = co_await invoke(std::string("GetQueueAttributes"), std::move(body));
  if (!r) co_return r.error();
  co_return parse_sqs_attributes(r->body);
}

} // namespace hookd::aws
