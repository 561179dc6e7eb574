// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/ecs_plan.hpp"

#include "hookd/config/config.hpp"

namespace hookd::drain {

outcome<std::optional<std::string>> ecs_cluster_from_config(std::string_view text, const std::string& path) {
  auto lines = config::parse_env_file(text, path);
  if (!lines)
    return make_error(errc::invalid_input, lines.error().message() + "; fix the file or set --ecs-cluster");
  std::optional<std::string> cluster;
  for (const auto& [key, value] : *lines)
    if (key == "ECS_CLUSTER") cluster = value.first.empty() ? std::nullopt : std::optional(value.first);
  return cluster;
}

outcome<std::string> choose_cluster(const std::string& flag, const std::optional<std::string>& file_text,
                                    const std::string& path) {
  if (!flag.empty()) return flag;
  if (!file_text) return std::string("default");
  auto named = ecs_cluster_from_config(*file_text, path);
  if (!named) return named.error();
  return named->value_or("default");
}

std::optional<aws::container_instance> find_own(const std::vector<aws::container_instance>& records,
                                                const std::string& instance_id, const std::string& arn) {
  if (instance_id.empty()) return std::nullopt;
  for (const auto& c : records)
    if (c.ec2_instance_id == instance_id && (arn.empty() || c.arn == arn)) return c;
  return std::nullopt;
}

bool stopping(const aws::ecs_task& t) {
  return t.last_status == "DEACTIVATING" || t.last_status == "STOPPING" || t.last_status == "DEPROVISIONING";
}

int tasks_left(const std::vector<aws::ecs_task>& tasks, const std::string& arn) {
  int n = 0;
  for (const auto& t : tasks)
    if (t.container_instance_arn == arn && t.last_status != "STOPPED") ++n;
  return n;
}

bool counts_clear(const aws::container_instance& c) { return c.running_tasks == 0 && c.pending_tasks == 0; }

} // namespace hookd::drain
