// SPDX-License-Identifier: Apache-2.0
// The drains' pure decisions: what to deregister, when a target or an ECS instance is drained,
// the cluster from ecs.config, the tag filter, the poll spacing and HOOKD_DRAIN_RESULT.
#include "hookd/config/drain_settings.hpp"
#include "hookd/drain/ecs_plan.hpp"
#include "hookd/drain/elbv2_plan.hpp"
#include "hookd/drain/private_ips.hpp"
#include "hookd/drain/result.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::drain;
using namespace std::chrono_literals;
using aws::target_ref;

TEST(elbv2_plan, deregisters_exactly_this_instances_registrations_with_their_ports) {
  const std::vector<aws::target_health> answer{{{"i-self", 80}, "healthy", ""},     {{"i-self", 8080}, "unhealthy", ""},
                                               {{"i-other", 80}, "healthy", ""},    {{"i-self", 80}, "healthy", ""},
                                               {{"i-self", 9000}, "draining", ""},  {{"i-self", 9100}, "unused", ""}};
  auto own = find_own({"arn:tg", "tg", "instance"}, answer, "i-self", {"10.0.0.5"});
  EXPECT_EQ(own.deregister, (std::vector<target_ref>{{"i-self", 80}, {"i-self", 8080}}));
  EXPECT_EQ(own.wait_for, (std::vector<target_ref>{{"i-self", 80}, {"i-self", 8080}, {"i-self", 9000}}))
      << "one already draining is waited for, not deregistered again; unused is not registered";
}

TEST(elbv2_plan, ip_groups_match_the_private_addresses_and_lambda_groups_nothing) {
  const std::vector<aws::target_health> answer{{{"10.0.0.5", 443}, "healthy", ""}, {{"10.0.0.9", 443}, "healthy", ""},
                                               {{"i-self", 443}, "healthy", ""}};
  auto ip = find_own({"arn:tg", "tg", "ip"}, answer, "i-self", {"10.0.0.5", "10.0.1.7"});
  EXPECT_EQ(ip.deregister, (std::vector<target_ref>{{"10.0.0.5", 443}}));
  EXPECT_TRUE(find_own({"arn:tg", "tg", "lambda"}, answer, "i-self", {"10.0.0.5"}).wait_for.empty());
  EXPECT_TRUE(find_own({"arn:tg", "tg", "instance"}, answer, "", {}).wait_for.empty()) << "no id, no match";
}

TEST(elbv2_plan, a_target_is_settled_when_gone_or_unused) {
  const target_ref t{"i-self", 80};
  EXPECT_TRUE(settled({}, t));
  EXPECT_TRUE(settled({{{"i-self", 80}, "unused", "Target.NotRegistered"}}, t));
  EXPECT_FALSE(settled({{{"i-self", 80}, "draining", ""}}, t));
  EXPECT_TRUE(settled({{{"i-self", 81}, "draining", ""}}, t)) << "another port is another registration";
}

TEST(elbv2_plan, polls_are_a_tenth_of_the_delay_within_bounds_and_tags_filter) {
  const poll_timing t;
  EXPECT_EQ(poll_interval(300s, t, 10), 30s);
  EXPECT_EQ(poll_interval(0s, t, 10), 2s);
  EXPECT_EQ(poll_interval(3600s, t, 10), 30s);
  EXPECT_EQ(poll_interval(100s, t, 0), 30s) << "no division by zero";
  config::target_group_filter f;
  EXPECT_TRUE(tag_matches({}, f));
  f.tag_key = "drain";
  f.tag_value = "yes";
  EXPECT_TRUE(tag_matches({{"drain", "yes"}}, f));
  EXPECT_FALSE(tag_matches({{"drain", "no"}}, f));
  EXPECT_FALSE(tag_matches({}, f));
}

TEST(drain_settings, target_group_filter_takes_arns_or_one_tag) {
  auto arns = config::parse_target_group_filter(
      "arn:aws:elasticloadbalancing:eu-west-1:123:targetgroup/a/1,arn:aws:elasticloadbalancing:eu-west-1:123:targetgroup/b/2");
  ASSERT_TRUE(arns);
  EXPECT_EQ(arns->arns.size(), 2u);
  auto tag = config::parse_target_group_filter("tag:team=web=blue");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->tag_key, "team");
  EXPECT_EQ(tag->tag_value, "web=blue");
  EXPECT_TRUE(config::parse_target_group_filter("")->everything());
  EXPECT_FALSE(config::parse_target_group_filter("tag:=x"));
  EXPECT_FALSE(config::parse_target_group_filter("tag:novalue"));
  auto bad = config::parse_target_group_filter("arn:aws:sqs:eu-west-1:123:secret-queue");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message().find("secret-queue"), std::string::npos) << "a value is never echoed";
}

TEST(ecs_plan, cluster_from_flag_then_ecs_config_then_default) {
  const std::string path = "/etc/ecs/ecs.config";
  EXPECT_EQ(choose_cluster("web", std::string("ECS_CLUSTER=api\n"), path).value(), "web");
  EXPECT_EQ(choose_cluster("", std::string("# agent\nECS_ENABLE_TASK_IAM_ROLE=true\nECS_CLUSTER=\"api\"\n"), path).value(), "api");
  EXPECT_EQ(choose_cluster("", std::string("ECS_CLUSTER=a\nECS_CLUSTER=b\n"), path).value(), "b") << "the last one wins";
  EXPECT_EQ(choose_cluster("", std::string("ECS_CLUSTER=\n"), path).value(), "default");
  EXPECT_EQ(choose_cluster("", std::nullopt, path).value(), "default");
  auto bad = choose_cluster("", std::string("this is not a setting\n"), path);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("/etc/ecs/ecs.config:1"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("--ecs-cluster"), std::string::npos);
}

TEST(ecs_plan, the_instance_is_checked_on_each_record_and_stopping_tasks_count) {
  const std::vector<aws::container_instance> list{{"arn:ci/other", "i-other", "ACTIVE", 3, 0},
                                                  {"arn:ci/self", "i-self", "ACTIVE", 1, 0}};
  EXPECT_EQ(find_own(list, "i-self")->arn, "arn:ci/self");
  EXPECT_FALSE(find_own(list, "i-self", "arn:ci/other"));
  EXPECT_FALSE(find_own(list, "i-none"));
  EXPECT_TRUE(counts_clear({"a", "i", "DRAINING", 0, 0}));
  EXPECT_FALSE(counts_clear({"a", "i", "DRAINING", 0, 1}));
  const std::vector<aws::ecs_task> tasks{{"t1", "arn:ci/self", "STOPPED", "STOPPED"},
                                         {"t2", "arn:ci/self", "DEPROVISIONING", "STOPPED"},
                                         {"t3", "arn:ci/other", "RUNNING", "RUNNING"}};
  EXPECT_EQ(tasks_left(tasks, "arn:ci/self"), 1) << "a task naming another instance is not ours to wait for";
  EXPECT_TRUE(stopping(tasks[1]));
  EXPECT_FALSE(stopping(tasks[0]));
}

TEST(drain_result, the_scripts_line_names_each_drain_and_counts_what_was_drained) {
  std::vector<result> r{{kind::elbv2, status::ok, 3, "", 1s}, {kind::ecs, status::timeout, 4, "slow", 300s}};
  EXPECT_EQ(format_results(r), "elbv2=ok:3 ecs=timeout");
  EXPECT_EQ(format_results({{kind::ecs, status::none, 0, "", 0s}}), "ecs=none");
  EXPECT_EQ(format_results({{kind::ecs, status::ok, 0, "", 0s}}), "ecs=ok:0");
  EXPECT_EQ(format_results({}), "");
  EXPECT_TRUE(unsuccessful(r[1]));
  EXPECT_FALSE(unsuccessful(r[0]));
  EXPECT_TRUE(unsuccessful({kind::elbv2, status::failed, 0, "", 0s}));
  EXPECT_FALSE(unsuccessful({kind::elbv2, status::none, 0, "", 0s}));
}

TEST(private_ips, metadata_listings_are_split_into_lines) {
  EXPECT_EQ(imds_lines("0e:49:61:0f:c3:11/\n0e:49:61:0f:c3:12/\n"),
            (std::vector<std::string>{"0e:49:61:0f:c3:11", "0e:49:61:0f:c3:12"}));
  EXPECT_EQ(imds_lines("10.0.0.5\r\n\n10.0.0.6"), (std::vector<std::string>{"10.0.0.5", "10.0.0.6"}));
}
