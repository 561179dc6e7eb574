#pragma once
// SPDX-License-Identifier: Apache-2.0
// Amazon ECS over JSON 1.1 (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action>`): only
// the operations a drain uses. Pure encoding/parsing + a thin client whose calls go through
// `caller` (signed, retried, throttling included). Nothing here trusts a server-side filter:
// the parsed records carry the fields (ec2InstanceId, containerInstanceArn) a drain checks.
#include "hookd/aws/caller.hpp"

#include <string>
#include <vector>

namespace hookd::aws {

struct container_instance {
  std::string arn;
  std::string ec2_instance_id;
  std::string status; ///< ACTIVE | DRAINING | INACTIVE | REGISTERING | ...
  int running_tasks = 0, pending_tasks = 0;
};

struct ecs_task {
  std::string arn;
  std::string container_instance_arn;
  std::string last_status;    ///< PROVISIONING ... RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED
  std::string desired_status; ///< RUNNING | STOPPED
};

/// One page of ARNs (ListContainerInstances, ListTasks) and the token of the next.
struct arn_page {
  std::vector<std::string> arns;
  std::string next_token;
};

/// DescribeTasks takes at most 100 tasks a call; List* return at most 100 a page.
inline constexpr std::size_t ecs_max_per_call = 100;

/// `key` is "containerInstanceArns" or "taskArns".
outcome<arn_page> parse_ecs_arn_page(std::string_view body, std::string_view key);
/// DescribeContainerInstances and UpdateContainerInstancesState answer the same shape.
outcome<std::vector<container_instance>> parse_container_instances(std::string_view body);
outcome<std::vector<ecs_task>> parse_ecs_tasks(std::string_view body);

/// Not thread-safe; on the caller's io_context. Holds references to `caller`.
class ecs_client {
public:
  ecs_client(caller& c, resolved_endpoint ep);

  /// `filter` in the cluster query language, e.g. "ec2InstanceId == i-0123".
  boost::asio::awaitable<outcome<arn_page>> list_container_instances(const std::string& cluster, const std::string& filter,
                                                                     const std::string& next_token = {});
  boost::asio::awaitable<outcome<std::vector<container_instance>>> describe_container_instances(
      const std::string& cluster, const std::vector<std::string>& arns);
  /// Sets the container instances DRAINING; answers their records as ECS now holds them.
  boost::asio::awaitable<outcome<std::vector<container_instance>>> set_draining(const std::string& cluster,
                                                                                const std::vector<std::string>& arns);
  /// `desired_status`: RUNNING or STOPPED (a stopping task's desired status is STOPPED).
  boost::asio::awaitable<outcome<arn_page>> list_tasks(const std::string& cluster, const std::string& container_instance_arn,
                                                       const std::string& desired_status, const std::string& next_token = {});
  /// At most 100 ARNs (ecs_max_per_call); more is the caller's bug and is refused.
  boost::asio::awaitable<outcome<std::vector<ecs_task>>> describe_tasks(const std::string& cluster,
                                                                         const std::vector<std::string>& arns);

private:
  boost::asio::awaitable<outcome<aws_response>> invoke(std::string action, std::string body);
  caller& caller_;
  resolved_endpoint ep_;
};

} // namespace hookd::aws
