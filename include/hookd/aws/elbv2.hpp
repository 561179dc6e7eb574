#pragma once
// SPDX-License-Identifier: Apache-2.0
// Elastic Load Balancing v2 over the query protocol (Version=2015-12-01, XML replies read with
// Boost.PropertyTree): only the operations a drain uses. Pure encoding/parsing + a thin client
// whose calls go through `caller` (signed, retried, throttling included).
#include "hookd/aws/caller.hpp"
#include "hookd/aws/query.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookd::aws {

struct target_group {
  std::string arn, name;
  std::string target_type; ///< instance | ip | lambda | alb
};

/// One registration: a target id (instance id or IP) and the port it was registered with
/// (0: the answer named none, and the request then names none either).
struct target_ref {
  std::string id;
  int port = 0;
  friend bool operator==(const target_ref&, const target_ref&) = default;
  friend auto operator<=>(const target_ref&, const target_ref&) = default;
};

struct target_health {
  target_ref target;
  std::string state;  ///< initial | healthy | unhealthy | unused | draining | unavailable
  std::string reason; ///< Target.DeregistrationInProgress, Target.NotRegistered, ...
};

struct target_group_page {
  std::vector<target_group> groups;
  std::string next_marker; ///< empty on the last page
};

/// DescribeTargetGroups accepts at most 400 groups a page; DescribeTags 20 ARNs a call.
inline constexpr int elbv2_page_size = 400;
inline constexpr std::size_t elbv2_tags_per_call = 20;

outcome<target_group_page> parse_describe_target_groups(std::string_view xml);
outcome<std::vector<target_health>> parse_describe_target_health(std::string_view xml);
/// `deregistration_delay.timeout_seconds` (0-3600; nullopt when absent or not a number).
outcome<std::optional<int>> parse_deregistration_delay(std::string_view xml);
/// Resource ARN -> its tags.
outcome<std::map<std::string, std::map<std::string, std::string>>> parse_describe_tags(std::string_view xml);

/// Not thread-safe; on the caller's io_context. Holds references to `caller`.
class elbv2_client {
public:
  elbv2_client(caller& c, resolved_endpoint ep);

  /// One page of every group in the region (`arns` empty), or of the named groups.
  boost::asio::awaitable<outcome<target_group_page>> describe_target_groups(const std::string& marker,
                                                                            const std::vector<std::string>& arns = {});
  /// Every registration of the group (`targets` empty), or the state of the named ones.
  boost::asio::awaitable<outcome<std::vector<target_health>>> describe_target_health(
      const std::string& group_arn, const std::vector<target_ref>& targets = {});
  boost::asio::awaitable<outcome<void>> deregister_targets(const std::string& group_arn,
                                                           const std::vector<target_ref>& targets);
  boost::asio::awaitable<outcome<std::optional<int>>> deregistration_delay(const std::string& group_arn);
  /// At most 20 ARNs (elbv2_tags_per_call); more is the caller's bug and is refused.
  boost::asio::awaitable<outcome<std::map<std::string, std::map<std::string, std::string>>>> describe_tags(
      const std::vector<std::string>& arns);

private:
  boost::asio::awaitable<outcome<aws_response>> invoke(std::string action, query_params params);
  caller& caller_;
  resolved_endpoint ep_;
};

} // namespace hookd::aws
