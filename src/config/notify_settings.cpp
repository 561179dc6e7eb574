// SPDX-License-Identifier: Apache-2.0
// The notification settings: webhooks, their headers, an SNS topic, and the time a delivery may take.
#include "table.hpp"

#include "hookd/notify/target.hpp"

namespace hookd::config {

const std::vector<setting>& notify_settings_rows() {
  static const std::vector<setting> t{
      {"--notify-url", "HOOKD_NOTIFY_URL", "URL",
       "POST a JSON document for each action step and failure here (repeatable; the variable: URLs separated by commas)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.notify.urls.clear();
         for (auto& url : notify::split_list(v)) {
           // The URL itself is not echoed: its path or query is often the webhook's secret.
           if (auto target = notify::parse_webhook_url(url); !target)
             return "http(s)://host[:port][/path][?query]: " + target.error().message();
           s.notify.urls.push_back(std::move(url));
         }
         return std::nullopt;
       },
       true},
      {"--notify-header", "HOOKD_NOTIFY_HEADER", "'NAME: VALUE'",
       "a header sent with every notify POST (repeatable; its value is never logged)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.notify.headers.clear();
         for (auto& line : notify::split_list(v, false)) {
           if (auto h = notify::parse_header(line); !h) return "'Name: value': " + h.error().message();
           s.notify.headers.push_back(std::move(line));
         }
         return std::nullopt;
       },
       true},
      {"--notify-sns-topic", "HOOKD_NOTIFY_SNS_TOPIC", "ARN", "also publish each notification to this SNS topic",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.rfind("arn:", 0) != 0 || v.find(":sns:") == std::string::npos) return "an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)";
         s.notify.sns_topic = v;
         return std::nullopt;
       }},
      {"--notify-timeout", "HOOKD_NOTIFY_TIMEOUT", "DURATION",
       "the longest one notification attempt takes, and a stop waits for queued ones (5s)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (auto e = set_duration(s.notify.timeout, v)) return e;
         if (s.notify.timeout < std::chrono::milliseconds(100) || s.notify.timeout > std::chrono::minutes(5))
           return "a duration from 100ms to 5m";
         return std::nullopt;
       }},
      {"--check-notify", "HOOKD_CHECK_NOTIFY", "", "hookd check: send one test notification to each destination",
       [](settings& s, const std::string& v) { return set_bool(s.notify.check_deliver, v); }},
  };
  return t;
}

} // namespace hookd::config
