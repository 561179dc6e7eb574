#pragma once
// SPDX-License-Identifier: Apache-2.0
// The ECS drain's decisions, apart from its I/O: the cluster, which container instance is this
// instance's, and when it is drained. Nothing here trusts a server-side filter or a
// cluster-wide count: every record is checked against this instance. Pure.
#include "hookd/aws/ecs.hpp"
#include "hookd/core/error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hookd::drain {

/// The ECS agent's own configuration file, where its cluster is named.
inline constexpr const char* default_ecs_config = "/etc/ecs/ecs.config";

/// `ECS_CLUSTER` from ecs.config's text (KEY=VALUE lines, the last one wins); nullopt when
/// unset or empty. A malformed file is an error naming `path` and its line.
outcome<std::optional<std::string>> ecs_cluster_from_config(std::string_view text, const std::string& path);

/// --ecs-cluster, else ECS_CLUSTER in the file (`file_text`: nullopt when there is none), else "default".
outcome<std::string> choose_cluster(const std::string& flag, const std::optional<std::string>& file_text,
                                    const std::string& path);

/// The record whose ec2InstanceId is this instance (and, when `arn` is given, whose ARN is it).
std::optional<aws::container_instance> find_own(const std::vector<aws::container_instance>& records,
                                                const std::string& instance_id, const std::string& arn = {});

/// DEACTIVATING, STOPPING, DEPROVISIONING: stopping, but still on the instance and not counted
/// in runningTasksCount (aws-cdk #13559 terminated instances early for this).
bool stopping(const aws::ecs_task& t);

/// Tasks of the container instance `arn` not yet STOPPED; tasks that name another instance are
/// not counted (they are not ours to wait for, whatever the answer says).
int tasks_left(const std::vector<aws::ecs_task>& tasks, const std::string& arn);

/// runningTasksCount and pendingTasksCount both 0: the cue to look at the tasks themselves.
bool counts_clear(const aws::container_instance& c);

} // namespace hookd::drain
