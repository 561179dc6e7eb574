#pragma once
// SPDX-License-Identifier: Apache-2.0
// SQS over the JSON protocol (X-Amz-Target: AmazonSQS.*), only the operations hookd uses.
// Request bodies and response parsing are pure functions; the client is a thin shell over caller.
#include "hookd/aws/caller.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookd::aws {

struct sqs_message {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  int receive_count = 0;          ///< ApproximateReceiveCount
  std::optional<sys_time> sent;   ///< SentTimestamp
  std::map<std::string, std::string> attributes;
};

struct sqs_batch_entry {
  std::string id;
  std::string receipt_handle;
  int visibility_timeout = 0; ///< ChangeMessageVisibilityBatch only
};

struct sqs_batch_result {
  std::vector<std::string> succeeded;
  struct failure {
    std::string id, code, message;
    bool sender_fault = false;
  };
  std::vector<failure> failed;
};

// ---- pure ----
std::string sqs_receive_body(const std::string& queue_url, int max_messages, int wait_seconds,
                             std::optional<int> visibility_timeout);
outcome<std::vector<sqs_message>> parse_sqs_receive(std::string_view body);
outcome<sqs_batch_result> parse_sqs_batch(std::string_view body);
outcome<std::map<std::string, std::string>> parse_sqs_attributes(std::string_view body);
/// The SQS endpoint a queue URL belongs to when no endpoint is configured: its own scheme and host.
outcome<http::endpoint> endpoint_of_queue_url(std::string_view queue_url);

/// SQS limits (AWS docs): long poll 0-20 s, 1-10 messages, batches of 1-10, visibility 0-12 h.
inline constexpr int sqs_max_wait_seconds = 20;
inline constexpr int sqs_max_batch = 10;
inline constexpr int sqs_max_visibility_seconds = 12 * 3600;
/// A receive answer must fit whatever the queue holds: ten messages of SQS's largest size
/// (1 MiB), JSON-escaped at worst (a 2-byte character as a 6-byte \uXXXX, 3x), with their
/// attributes.
inline constexpr std::size_t sqs_max_message_bytes = 1024 * 1024;
inline constexpr std::size_t sqs_receive_body_limit = 10 * 3 * sqs_max_message_bytes + 1024 * 1024;

class sqs_client {
public:
  sqs_client(caller& c, resolved_endpoint ep, std::string queue_url);

  /// Long-polls for up to `max_messages` (1-10). The HTTP deadline is the wait plus a margin,
  /// as AWS's long-polling guide requires.
  boost::asio::awaitable<outcome<std::vector<sqs_message>>> receive(int max_messages, int wait_seconds,
                                                                     std::optional<int> visibility_timeout = {});
  boost::asio::awaitable<outcome<void>> delete_message(const std::string& receipt_handle);
  boost::asio::awaitable<outcome<sqs_batch_result>> delete_batch(const std::vector<sqs_batch_entry>& entries);
  boost::asio::awaitable<outcome<void>> change_visibility(const std::string& receipt_handle, int seconds);
  boost::asio::awaitable<outcome<sqs_batch_result>> change_visibility_batch(const std::vector<sqs_batch_entry>& entries);
  boost::asio::awaitable<outcome<std::map<std::string, std::string>>> get_attributes();

  const std::string& queue_url() const noexcept { return queue_url_; }
  /// How far AWS says our clock is off (learnt from RequestTimeTooSkewed answers).
  std::chrono::seconds clock_offset() const noexcept { return caller_.clock_offset(); }

private:
  boost::asio::awaitable<outcome<aws_response>> invoke(std::string operation, std::string body,
                                                       std::chrono::milliseconds timeout = std::chrono::seconds(15),
                                                       std::size_t body_limit = 8 * 1024 * 1024);
  caller& caller_;
  resolved_endpoint ep_;
  std::string queue_url_;
};

} // namespace hookd::aws
