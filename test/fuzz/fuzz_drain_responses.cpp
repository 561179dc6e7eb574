// SPDX-License-Identifier: Apache-2.0
// Elastic Load Balancing v2 (XML) and ECS (JSON) answers, and the drain decisions made from them:
// no input makes a parser throw, and no answer makes a drain deregister another instance's
// target or wait on another instance's task.
#include "hookd/aws/ecs.hpp"
#include "hookd/aws/elbv2.hpp"
#include "hookd/drain/ecs_plan.hpp"
#include "hookd/drain/elbv2_plan.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hookd;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)aws::parse_describe_target_groups(body);
  (void)aws::parse_deregistration_delay(body);
  (void)aws::parse_describe_tags(body);
  if (auto h = aws::parse_describe_target_health(body)) {
    for (const char* type : {"instance", "ip"}) {
      auto own = drain::find_own({"arn:tg", "tg", type}, *h, "i-self", {"10.0.0.5"});
      for (const auto& t : own.wait_for)
        if (t.id != "i-self" && t.id != "10.0.0.5") std::abort(); // someone else's registration
    }
  }
  (void)aws::parse_ecs_arn_page(body, "taskArns");
  (void)aws::parse_container_instances(body);
  if (auto tasks = aws::parse_ecs_tasks(body)) (void)drain::tasks_left(*tasks, "arn:ci/self");
  (void)drain::ecs_cluster_from_config(body, "ecs.config");
  return 0;
}
