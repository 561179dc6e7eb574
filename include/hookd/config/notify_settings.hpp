#pragma once
// SPDX-License-Identifier: Apache-2.0
// The notification settings (--notify-url, --notify-header, --notify-sns-topic, --notify-timeout,
// --check-notify): a struct of their own, so other areas' settings never touch these lines.
#include <chrono>
#include <string>
#include <vector>

namespace hookd::config {

struct notify_settings {
  std::vector<std::string> urls;    ///< webhooks: each event is POSTed to every one
  std::vector<std::string> headers; ///< "Name: value" lines, sent with every webhook POST (values are secrets)
  std::string sns_topic;            ///< a topic ARN: each event is published there too
  /// The longest one delivery attempt may take, and the longest a stop waits for deliveries
  /// still queued: notifications never hold up an action, a heartbeat or shutdown for more.
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  bool check_deliver = false; ///< `hookd check --check-notify`: send one test delivery to each
  bool any() const { return !urls.empty() || !sns_topic.empty(); }
};

} // namespace hookd::config
