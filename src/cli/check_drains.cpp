// SPDX-License-Identifier: Apache-2.0
#include "check_drains.hpp"

#include "hookd/aws/ecs.hpp"
#include "hookd/aws/elbv2.hpp"
#include "hookd/core/read_file.hpp"
#include "hookd/drain/ecs_plan.hpp"

namespace hookd::cli {
namespace net = boost::asio;

namespace {
net::awaitable<void> check_elbv2(aws::caller& c, const aws::resolved_endpoint& ep, const config::settings& s,
                                 const check_line& line) {
  aws::elbv2_client elb(c, ep);
  const auto& arns = s.drain.target_groups.arns;
  std::vector<std::string> first;
  if (!arns.empty()) first.push_back(arns.front());
  auto page = co_await elb.describe_target_groups("", first);
  if (!page) co_return line(false, "drain-elbv2", page.error().message() + "; the instance role needs elasticloadbalancing:DescribeTargetGroups (deploy/iam-policy-drains.json)");
  if (page->groups.empty()) co_return line(true, "drain-elbv2", "DescribeTargetGroups allowed; no target group in this region");
  auto health = co_await elb.describe_target_health(page->groups.front().arn);
  line(bool(health), "drain-elbv2",
       health ? "DescribeTargetGroups and DescribeTargetHealth allowed (DeregisterTargets, DescribeTargetGroupAttributes"
                " and DescribeTags are needed too and not tried)"
              : health.error().message() + "; the instance role needs elasticloadbalancing:DescribeTargetHealth");
}

net::awaitable<void> check_ecs(aws::caller& c, const aws::resolved_endpoint& ep, const config::settings& s,
                               const std::string& instance_id, const check_line& line) {
  const auto text = s.drain.ecs_cluster.empty() ? read_whole_file(drain::default_ecs_config) : std::nullopt;
  auto cluster = drain::choose_cluster(s.drain.ecs_cluster, text, drain::default_ecs_config);
  if (!cluster) co_return line(false, "drain-ecs", cluster.error().message());
  aws::ecs_client ecs(c, ep);
  const std::string filter = "ec2InstanceId == " + instance_id;
  auto list = co_await ecs.list_container_instances(*cluster, filter);
  if (!list) co_return line(false, "drain-ecs", list.error().message() + "; the instance role needs ecs:ListContainerInstances, "
                                                                       "or set --ecs-cluster to this instance's cluster");
  if (list->arns.empty())
    co_return line(false, "drain-ecs", instance_id + " is no container instance of cluster " + *cluster + "; set --ecs-cluster");
  auto described = co_await ecs.describe_container_instances(*cluster, list->arns);
  const bool ok = described && drain::find_own(*described, instance_id).has_value();
  line(ok, "drain-ecs",
       ok ? "cluster " + *cluster + ": ListContainerInstances and DescribeContainerInstances allowed (ListTasks, DescribeTasks"
                                    " and UpdateContainerInstancesState are needed too and not tried)"
          : (described ? "no record names " + instance_id : described.error().message() +
                                                               "; the instance role needs ecs:DescribeContainerInstances"));
}
} // namespace

net::awaitable<void> check_drains(const aws_stack& st, const config::settings& s, const check_line& line) {
  if (s.drain.elbv2) {
    auto ep = st.endpoint(aws::service::elbv2);
    if (!ep) line(false, "drain-elbv2", ep.error().message());
    else co_await check_elbv2(*st.caller, *ep, s, line);
  }
  if (s.drain.ecs) {
    auto ep = st.endpoint(aws::service::ecs);
    if (!ep) line(false, "drain-ecs", ep.error().message());
    else co_await check_ecs(*st.caller, *ep, s, st.instance_id, line);
  }
}

} // namespace hookd::cli
