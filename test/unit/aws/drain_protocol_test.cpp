// SPDX-License-Identifier: Apache-2.0
// Elastic Load Balancing v2 and ECS answers, parsed without a wire: the shapes AWS sends, and
// hostile ones (a bad port, a count that is no number, a body that is no object) read safely.
#include "hookd/aws/ecs.hpp"
#include "hookd/aws/elbv2.hpp"

#include <gtest/gtest.h>

using namespace hookd::aws;

namespace {
const char* tg_page = R"(<DescribeTargetGroupsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
<DescribeTargetGroupsResult><TargetGroups>
<member><TargetGroupArn>arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/1</TargetGroupArn><TargetGroupName>a</TargetGroupName><TargetType>instance</TargetType></member>
<member><TargetGroupArn>arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/b/2</TargetGroupArn><TargetType>ip</TargetType></member>
<member><TargetGroupName>no-arn</TargetGroupName></member>
</TargetGroups><NextMarker>abc</NextMarker></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>)";
} // namespace

TEST(elbv2_protocol, target_group_pages_keep_arn_type_and_marker) {
  auto p = parse_describe_target_groups(tg_page);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->groups.size(), 2u) << "a group without an ARN is dropped";
  EXPECT_EQ(p->groups[0].target_type, "instance");
  EXPECT_EQ(p->groups[1].target_type, "ip");
  EXPECT_EQ(p->next_marker, "abc");
  EXPECT_FALSE(parse_describe_target_groups("<DescribeTargetGroupsResponse><"));
}

TEST(elbv2_protocol, target_health_reads_id_port_state_and_refuses_impossible_ports) {
  const char* xml = R"(<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions>
<member><Target><Id>i-1</Id><Port>8080</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member>
<member><Target><Id>10.0.0.5</Id><Port>70000</Port></Target><TargetHealth><State>draining</State><Reason>Target.DeregistrationInProgress</Reason></TargetHealth></member>
<member><Target><Id>i-2</Id><Port>eighty</Port></Target></member>
</TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>)";
  auto h = parse_describe_target_health(xml);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].target, (target_ref{"i-1", 8080}));
  EXPECT_EQ((*h)[1].target.port, 0) << "a port outside 1-65535 is never sent back";
  EXPECT_EQ((*h)[1].reason, "Target.DeregistrationInProgress");
  EXPECT_EQ((*h)[2].target.port, 0);
}

TEST(elbv2_protocol, deregistration_delay_and_tags) {
  auto d = parse_deregistration_delay(R"(<DescribeTargetGroupAttributesResponse><DescribeTargetGroupAttributesResult><Attributes>
<member><Key>stickiness.enabled</Key><Value>false</Value></member>
<member><Key>deregistration_delay.timeout_seconds</Key><Value>99999</Value></member>
</Attributes></DescribeTargetGroupAttributesResult></DescribeTargetGroupAttributesResponse>)");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->value_or(-1), 3600) << "held to ELB's own limit";
  auto none = parse_deregistration_delay("<DescribeTargetGroupAttributesResponse/>");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto tags = parse_describe_tags(R"(<DescribeTagsResponse><DescribeTagsResult><TagDescriptions>
<member><ResourceArn>arn:a</ResourceArn><Tags><member><Key>drain</Key><Value>yes</Value></member></Tags></member>
<member><ResourceArn>arn:b</ResourceArn></member>
</TagDescriptions></DescribeTagsResult></DescribeTagsResponse>)");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->at("arn:a").at("drain"), "yes");
  EXPECT_TRUE(tags->at("arn:b").empty());
}

TEST(ecs_protocol, container_instances_tasks_and_pages) {
  auto ci = parse_container_instances(R"({"containerInstances":[
    {"containerInstanceArn":"arn:ci/1","ec2InstanceId":"i-1","status":"DRAINING","runningTasksCount":2,"pendingTasksCount":1},
    {"containerInstanceArn":"arn:ci/2","ec2InstanceId":"i-2","runningTasksCount":"lots","pendingTasksCount":-4},
    {"ec2InstanceId":"i-3"}, 7],"failures":[]})");
  ASSERT_TRUE(ci);
  ASSERT_EQ(ci->size(), 2u);
  EXPECT_EQ((*ci)[0].running_tasks, 2);
  EXPECT_EQ((*ci)[0].pending_tasks, 1);
  EXPECT_EQ((*ci)[1].running_tasks, 1) << "a count that is no number keeps the drain waiting";
  EXPECT_EQ((*ci)[1].pending_tasks, 0);
  auto tasks = parse_ecs_tasks(R"({"tasks":[{"taskArn":"t1","containerInstanceArn":"arn:ci/1","lastStatus":"STOPPING","desiredStatus":"STOPPED"}]})");
  ASSERT_TRUE(tasks);
  EXPECT_EQ((*tasks)[0].last_status, "STOPPING");
  auto page = parse_ecs_arn_page(R"({"taskArns":["t1","",3],"nextToken":"n"})", "taskArns");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->arns, std::vector<std::string>{"t1"});
  EXPECT_EQ(page->next_token, "n");
  EXPECT_FALSE(parse_container_instances("[]"));
  EXPECT_FALSE(parse_ecs_tasks("{"));
}
