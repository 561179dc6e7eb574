#pragma once
// SPDX-License-Identifier: Apache-2.0
// The ECS drain: find the container instance whose ec2InstanceId is this instance, set it
// DRAINING, then wait until runningTasksCount and pendingTasksCount are both 0 and no task on it
// is still stopping (DEACTIVATING, STOPPING, DEPROVISIONING). Every record that comes back is
// checked against this instance: a server-side filter or a cluster-wide count is never trusted.
//
// Requests: ListContainerInstances, DescribeContainerInstances and UpdateContainerInstancesState
// once each; then one DescribeContainerInstances per poll (at most about 20, spaced a twentieth
// of the time left, see poll_timing), plus two ListTasks and a DescribeTasks on a poll whose
// counts read 0. Calls are sequential: one in flight per instance. A throttled call before the
// polls is sent again, backing off, until the deadline; throttled attempts come on top.
//
// Cancellation: bounded by `deadline` (status timeout) and cancellable (status failed, reason
// "cancelled"); never throws for AWS's misbehaviour. Single-threaded: on the clients' io_context.
#include "hookd/aws/ecs.hpp"
#include "hookd/core/log.hpp"
#include "hookd/drain/elbv2_plan.hpp"
#include "hookd/drain/result.hpp"

#include <chrono>
#include <string>

namespace hookd::drain {

struct ecs_request {
  std::string instance_id;
  std::string cluster; ///< resolved (choose_cluster in ecs_plan.hpp)
  std::chrono::steady_clock::time_point deadline;
  poll_timing timing;
};

boost::asio::awaitable<result> drain_ecs(aws::ecs_client& ecs, const ecs_request& req, logger& log);

} // namespace hookd::drain
