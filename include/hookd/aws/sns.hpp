#pragma once
// SPDX-License-Identifier: Apache-2.0
// SNS over the query protocol (Action=Publish&Version=2010-03-31): Publish only, for
// notifications. Signed and retried by the caller like every other AWS call.
#include "hookd/aws/caller.hpp"

#include <string>

namespace hookd::aws {

/// SNS's limits on Publish: the message (256 KiB) and the e-mail subject (under 100 characters).
inline constexpr std::size_t sns_max_message = 256 * 1024;
inline constexpr std::size_t sns_max_subject = 99;

/// The form body of a Publish request. Pure.
std::string sns_publish_form(const std::string& topic_arn, const std::string& message, const std::string& subject);

class sns_client {
public:
  sns_client(caller& c, resolved_endpoint ep) : caller_(c), ep_(std::move(ep)) {}
  /// Publishes `message` (with `subject`, when not empty) to `topic_arn`; returns SNS's MessageId.
  /// `timeout` bounds each attempt.
  boost::asio::awaitable<outcome<std::string>> publish(const std::string& topic_arn, const std::string& message,
                                                       const std::string& subject, std::chrono::milliseconds timeout);

private:
  caller& caller_;
  resolved_endpoint ep_;
};

} // namespace hookd::aws
