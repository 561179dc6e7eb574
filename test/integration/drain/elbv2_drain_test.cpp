// SPDX-License-Identifier: Apache-2.0
// The load-balancer drain and its client against the emulator.
#include "integration/drain/drain_fixture.hpp"

namespace {

using emulator::target_group_spec;

/// Five groups; "i-self" (private IP 10.0.0.5) is registered in a (two ports), b (by IP) and e.
std::map<std::string, std::string> five_groups(emulator::server& emu, std::chrono::milliseconds draining_for) {
  auto group = [&](std::string name, std::string type, std::vector<emulator::target_spec> targets) {
    target_group_spec s;
    s.name = name;
    s.target_type = std::move(type);
    s.deregistration_delay_s = 30;
    s.draining_for = draining_for;
    s.targets = std::move(targets);
    return std::pair{name, emu.add_target_group(s)};
  };
  return {group("a", "instance", {{"i-self", 80}, {"i-self", 8080}, {"i-other", 80}}),
          group("b", "ip", {{"10.0.0.5", 443}, {"10.0.0.9", 443}}), group("c", "instance", {{"i-other", 80}}),
          group("d", "ip", {{"10.0.0.9", 443}}), group("e", "instance", {{"i-self", 9000}})};
}

std::vector<std::string> ids(const std::vector<emulator::target_view>& v) {
  std::vector<std::string> out;
  for (const auto& t : v) out.push_back(t.id + ":" + std::to_string(t.port) + ":" + t.state);
  return out;
}

TEST_F(drains, elbv2_client_pages_groups_and_reads_health_attributes_and_tags) {
  emu->set_elbv2_page_limit(2);
  auto arns = five_groups(*emu, 10s);
  auto p1 = run(elb->describe_target_groups(""));
  ASSERT_TRUE(p1) << p1.error().message();
  EXPECT_EQ(p1->groups.size(), 2u);
  EXPECT_FALSE(p1->next_marker.empty());
  auto named = run(elb->describe_target_groups("", {arns["b"]}));
  ASSERT_TRUE(named);
  ASSERT_EQ(named->groups.size(), 1u);
  EXPECT_EQ(named->groups[0].target_type, "ip");
  auto h = run(elb->describe_target_health(arns["a"]));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->size(), 3u);
  EXPECT_EQ(run(elb->deregistration_delay(arns["a"])).value(), std::optional<int>(30));
  auto tags = run(elb->describe_tags({arns["a"]}));
  ASSERT_TRUE(tags);
  EXPECT_TRUE(tags->count(arns["a"]));
  auto gone = run(elb->describe_target_health("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().aws_code, "TargetGroupNotFound");
  EXPECT_NE(gone.error().message().find("Elastic Load Balancing DescribeTargetHealth"), std::string::npos);
}

TEST_F(drains, elbv2_deregisters_exactly_the_three_groups_holding_the_instance_and_returns_after_the_delay) {
  emu->set_elbv2_page_limit(2); // three pages: the scan must follow NextMarker
  auto arns = five_groups(*emu, 400ms);
  auto req = elbv2_req();
  auto r = run(drain::drain_elbv2(*elb, req, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 4);
  const auto dereg = emu->calls("DeregisterTargets");
  ASSERT_EQ(dereg.size(), 3u);
  std::set<std::string> touched;
  for (const auto& c : dereg) touched.insert(std::string(c.params.at("TargetGroupArn").as_string()));
  EXPECT_EQ(touched, (std::set<std::string>{arns["a"], arns["b"], arns["e"]}));
  for (const auto& c : dereg)
    for (const auto& [k, v] : c.params)
      if (k.ends_with(".Id")) {
        EXPECT_TRUE(v.as_string() == "i-self" || v.as_string() == "10.0.0.5") << v;
      }
  EXPECT_GE(r.duration, 400ms) << "returned before the targets' draining ended";
  EXPECT_EQ(ids(emu->targets(arns["a"])), std::vector<std::string>{"i-other:80:healthy"});
  EXPECT_EQ(ids(emu->targets(arns["b"])), std::vector<std::string>{"10.0.0.9:443:healthy"});
  EXPECT_TRUE(emu->targets(arns["e"]).empty());
  EXPECT_EQ(emu->targets(arns["c"]).size(), 1u);
}

TEST_F(drains, elbv2_waits_no_longer_than_a_groups_deregistration_delay) {
  target_group_spec s;
  s.name = "slow-api";
  s.deregistration_delay_s = 1;
  s.draining_for = 60s; // the API lags: the target still reads draining after the delay
  s.targets = {{"i-self", 80}};
  auto arn = emu->add_target_group(s);
  auto req = elbv2_req();
  auto r = run(drain::drain_elbv2(*elb, req, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_GE(r.duration, 1s);
  EXPECT_LT(r.duration, 5s);
  EXPECT_EQ(ids(emu->targets(arn)), std::vector<std::string>{"i-self:80:draining"});
}

TEST_F(drains, elbv2_a_deadline_before_the_delay_returns_timeout_with_what_was_deregistered) {
  target_group_spec s;
  s.name = "long";
  s.deregistration_delay_s = 3600;
  s.targets = {{"i-self", 80}};
  emu->add_target_group(s);
  auto req = elbv2_req(300ms);
  auto r = run(drain::drain_elbv2(*elb, req, log));
  EXPECT_EQ(r.how, drain::status::timeout);
  EXPECT_EQ(r.count, 1);
  EXPECT_NE(r.reason.find("--drain-timeout"), std::string::npos) << r.reason;
  EXPECT_LT(r.duration, 3s);
}

TEST_F(drains, elbv2_throttling_is_retried) {
  auto arns = five_groups(*emu, 100ms);
  fail_next("DescribeTargetHealth", 2, 400, "Throttling");
  fail_next("DeregisterTargets", 1, 400, "Throttling");
  auto req = elbv2_req();
  auto r = run(drain::drain_elbv2(*elb, req, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 4);
  EXPECT_EQ(answered("DescribeTargetHealth", "Throttling"), 2u);
  EXPECT_EQ(answered("DeregisterTargets", "Throttling"), 1u);
  EXPECT_TRUE(emu->targets(arns["e"]).empty());
}

TEST_F(drains, elbv2_a_scan_throttled_past_the_callers_three_attempts_is_sent_again_until_answered) {
  // A fleet draining at once: the account's budget refuses more than one call's three attempts.
  // The drain backs off (1 s) and asks again, instead of failing with the group unscanned.
  auto arns = five_groups(*emu, 100ms);
  fail_next("DescribeTargetGroups", 4, 400, "ThrottlingException");
  fail_next("DeregisterTargets", 3, 400, "ThrottlingException");
  auto r = run(drain::drain_elbv2(*elb, elbv2_req(), log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 4);
  EXPECT_EQ(answered("DescribeTargetGroups", "ThrottlingException"), 4u);
  EXPECT_TRUE(emu->targets(arns["e"]).empty());
}

TEST_F(drains, elbv2_a_call_throttled_until_the_deadline_ends_the_drain_as_a_timeout) {
  five_groups(*emu, 100ms);
  fail_next("DescribeTargetGroups", 1000, 400, "ThrottlingException");
  auto r = run(drain::drain_elbv2(*elb, elbv2_req(300ms), log));
  EXPECT_EQ(r.how, drain::status::timeout) << r.reason;
  EXPECT_TRUE(emu->calls("DeregisterTargets").empty());
}

TEST_F(drains, elbv2_a_tag_filter_scans_only_tagged_groups_twenty_arns_a_call) {
  std::string tagged;
  for (int i = 0; i < 22; ++i) {
    target_group_spec s;
    s.name = "g" + std::to_string(i);
    s.deregistration_delay_s = 0;
    s.targets = {{"i-self", 80}};
    if (i == 21) s.tags = {{"hookd-drain", "yes"}};
    auto arn = emu->add_target_group(s);
    if (i == 21) tagged = arn;
  }
  auto req = elbv2_req();
  req.groups = config::parse_target_group_filter("tag:hookd-drain=yes").value();
  auto r = run(drain::drain_elbv2(*elb, req, log));
  EXPECT_EQ(r.how, drain::status::ok) << r.reason;
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(emu->calls("DescribeTags").size(), 2u);
  ASSERT_EQ(emu->calls("DescribeTargetHealth").size(), 1u);
  EXPECT_EQ(emu->calls("DescribeTargetHealth")[0].params.at("TargetGroupArn").as_string(), tagged);
}

TEST_F(drains, elbv2_an_instance_in_no_group_is_none_and_access_denied_names_the_fix) {
  five_groups(*emu, 10ms);
  auto req = elbv2_req();
  req.instance_id = "i-nowhere";
  req.private_ips = {};
  auto none = run(drain::drain_elbv2(*elb, req, log));
  EXPECT_EQ(none.how, drain::status::none) << none.reason;
  EXPECT_TRUE(emu->calls("DeregisterTargets").empty());
  fail_next("DescribeTargetGroups", 1, 403, "AccessDenied");
  auto req2 = elbv2_req();
  auto denied = run(drain::drain_elbv2(*elb, req2, log));
  EXPECT_EQ(denied.how, drain::status::failed);
  EXPECT_NE(denied.reason.find("elasticloadbalancing:DescribeTargetGroups"), std::string::npos) << denied.reason;
}

} // namespace
