// SPDX-License-Identifier: Apache-2.0
// The drains' services set up through the emulator's control API, as `make demo` sets them up:
// target groups and container instances, the request budget of each service, and the requests
// counted by action (what the fleet bench reads).
#include "integration/drain/drain_fixture.hpp"

#include <boost/json.hpp>

namespace {

namespace json = boost::json;

std::string arn_from(const outcome<json::object>& answer) {
  return answer && answer->contains("arn") ? std::string(answer->at("arn").as_string()) : std::string();
}

std::size_t counted(const emulator::request_counts& counts, const std::string& service, const std::string& action,
                    bool throttled = false) {
  auto it = counts.find({service, action});
  return it == counts.end() ? 0 : throttled ? it->second.throttled : it->second.calls;
}

TEST_F(drains, a_target_group_made_through_the_control_api_is_drained_and_its_requests_are_counted_by_action) {
  const auto arn = arn_from(emu->control("target-group", json::parse(R"({"name":"web","deregistration_delay":30,"draining_ms":100,
      "targets":[{"id":"i-self","port":80},{"id":"i-other","port":80},{"id":"i-self","port":8080}]})").as_object()));
  ASSERT_FALSE(arn.empty());
  auto r = run(drain::drain_elbv2(*elb, elbv2_req(), log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 2);
  auto left = emu->control("targets", json::object{{"arn", arn}});
  ASSERT_TRUE(left);
  ASSERT_EQ(left->at("targets").as_array().size(), 1u);
  EXPECT_EQ(left->at("targets").as_array()[0].as_object().at("id").as_string(), "i-other");
  const auto all = emu->requests();
  EXPECT_EQ(counted(all, "elasticloadbalancing", "DeregisterTargets"), 1u);
  EXPECT_EQ(counted(all, "elasticloadbalancing", "DescribeTargetHealth"), emu->calls("DescribeTargetHealth").size());
  EXPECT_EQ(emu->requests(hookd::test::test_key_id), all) << "every request here is the fixture's key's";
  EXPECT_TRUE(emu->requests("AKIDNOBODY").empty());
  auto over_http = emu->control("requests", json::object{{"access_key_id", hookd::test::test_key_id}});
  ASSERT_TRUE(over_http);
  EXPECT_FALSE(over_http->at("requests").as_array().empty());
}

TEST_F(drains, a_container_instance_made_through_the_control_api_drains_once_its_tasks_stop) {
  const auto arn = arn_from(emu->control("container-instance", json::parse(
      R"({"cluster":"web","ec2_instance_id":"i-self","tasks":[{"stops_after_ms":100},{"stops_after_ms":200}]})").as_object()));
  ASSERT_FALSE(arn.empty());
  EXPECT_EQ(emu->control("container-instance-status", json::object{{"arn", arn}})->at("status").as_string(), "ACTIVE");
  auto r = run(drain::drain_ecs(*ecs, ecs_req(), log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(emu->control("container-instance-status", json::object{{"arn", arn}})->at("status").as_string(), "DRAINING");
  EXPECT_EQ(counted(emu->requests(), "ecs", "UpdateContainerInstancesState"), 1u);
}

TEST_F(drains, past_its_burst_a_service_budget_throttles_and_the_throttled_requests_are_counted) {
  emu->control("target-group", json::parse(R"({"name":"web","targets":[{"id":"i-self"}]})").as_object());
  emu->set_service_rate("elasticloadbalancing", 0.001, 2); // two calls, then nothing for a long time
  ASSERT_TRUE(run(elb->describe_target_groups("")));
  ASSERT_TRUE(run(elb->describe_target_groups("")));
  auto third = run(elb->describe_target_groups(""));
  ASSERT_FALSE(third) << "the budget was spent";
  EXPECT_EQ(third.error().aws_code, "ThrottlingException");
  const auto all = emu->requests();
  EXPECT_EQ(counted(all, "elasticloadbalancing", "DescribeTargetGroups"), 5u) << "two, then the third's three attempts";
  EXPECT_EQ(counted(all, "elasticloadbalancing", "DescribeTargetGroups", true), 3u);
  ASSERT_TRUE(emu->control("service-rate", json::object{{"service", "elasticloadbalancing"}, {"per_second", 0}}));
  EXPECT_TRUE(run(elb->describe_target_groups(""))) << "per_second 0: no budget";
}

TEST_F(drains, the_control_api_refuses_drain_set_ups_it_cannot_make_with_one_line_naming_the_field) {
  auto no_name = emu->control("target-group", json::object{{"targets", json::array{}}});
  ASSERT_FALSE(no_name);
  EXPECT_NE(no_name.error().message().find("'name' is required"), std::string::npos) << no_name.error().message();
  EXPECT_FALSE(emu->control("target-group", json::parse(R"({"name":"x","target_type":"alb"})").as_object()));
  EXPECT_FALSE(emu->control("target-group", json::parse(R"({"name":"x","targets":["i-self"]})").as_object()));
  auto no_instance = emu->control("container-instance", json::object{{"cluster", "web"}});
  ASSERT_FALSE(no_instance);
  EXPECT_NE(no_instance.error().message().find("ec2_instance_id"), std::string::npos);
  EXPECT_FALSE(emu->control("service-rate", json::object{{"service", "sqs"}}));
  EXPECT_FALSE(emu->control("container-instance-status", json::object{{"arn", "arn:nothing"}}));
  EXPECT_TRUE(emu->control("targets", json::object{{"arn", "arn:nothing"}})->at("targets").as_array().empty());
}

} // namespace
