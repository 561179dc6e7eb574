// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/elbv2.hpp"

#include <boost/property_tree/ptree.hpp>

#include <algorithm>

namespace hookd::aws {
namespace pt = boost::property_tree;
namespace net = boost::asio;

namespace {
constexpr std::string_view elbv2_version = "2015-12-01";
constexpr std::string_view label = "Elastic Load Balancing";

/// The Result element of `<Op>Response`, or nullptr when the answer has none.
const pt::ptree* result_of(const pt::ptree& tree, const std::string& op) {
  auto r = tree.get_child_optional(op + "Response." + op + "Result");
  return r ? r.get_ptr() : nullptr;
}

/// A port as AWS writes it, or 0 for anything outside 1-65535 (a hostile answer cannot make a
/// port we would send back).
int port_of(const pt::ptree& node) {
  const int p = node.get<int>("Port", 0);
  return p >= 1 && p <= 65535 ? p : 0;
}

void add_targets(query_params& p, const std::vector<target_ref>& targets) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto n = "Targets.member." + std::to_string(i + 1);
    p.emplace_back(n + ".Id", targets[i].id);
    if (targets[i].port > 0) p.emplace_back(n + ".Port", std::to_string(targets[i].port));
  }
}
} // namespace

outcome<target_group_page> parse_describe_target_groups(std::string_view xml) {
  auto tree = read_query_xml(xml, label, "DescribeTargetGroups");
  if (!tree) return tree.error();
  target_group_page page;
  const auto* r = result_of(*tree, "DescribeTargetGroups");
  if (!r) return page;
  page.next_marker = r->get<std::string>("NextMarker", "");
  if (auto list = r->get_child_optional("TargetGroups"))
    for (const auto& [tag, m] : *list)
      if (tag == "member")
        page.groups.push_back({m.get<std::string>("TargetGroupArn", ""), m.get<std::string>("TargetGroupName", ""),
                               m.get<std::string>("TargetType", "instance")});
  std::erase_if(page.groups, [](const target_group& g) { return g.arn.empty(); });
  return page;
}

outcome<std::vector<target_health>> parse_describe_target_health(std::string_view xml) {
  auto tree = read_query_xml(xml, label, "DescribeTargetHealth");
  if (!tree) return tree.error();
  std::vector<target_health> out;
  const auto* r = result_of(*tree, "DescribeTargetHealth");
  if (!r) return out;
  if (auto list = r->get_child_optional("TargetHealthDescriptions"))
    for (const auto& [tag, m] : *list) {
      if (tag != "member") continue;
      target_health h;
      if (auto t = m.get_child_optional("Target")) h.target = {t->get<std::string>("Id", ""), port_of(*t)};
      h.state = m.get<std::string>("TargetHealth.State", "");
      h.reason = m.get<std::string>("TargetHealth.Reason", "");
      if (!h.target.id.empty()) out.push_back(std::move(h));
    }
  return out;
}

outcome<std::optional<int>> parse_deregistration_delay(std::string_view xml) {
  auto tree = read_query_xml(xml, label, "DescribeTargetGroupAttributes");
  if (!tree) return tree.error();
  const auto* r = result_of(*tree, "DescribeTargetGroupAttributes");
  if (!r) return std::optional<int>{};
  if (auto list = r->get_child_optional("Attributes"))
    for (const auto& [tag, m] : *list) {
      if (tag != "member" || m.get<std::string>("Key", "") != "deregistration_delay.timeout_seconds") continue;
      auto v = m.get_optional<int>("Value");
      // ELB allows 0-3600 s; beyond that the answer is not believed (held to the limit).
      if (v) return std::optional<int>(std::clamp(*v, 0, 3600));
    }
  return std::optional<int>{};
}

outcome<std::map<std::string, std::map<std::string, std::string>>> parse_describe_tags(std::string_view xml) {
  auto tree = read_query_xml(xml, label, "DescribeTags");
  if (!tree) return tree.error();
  std::map<std::string, std::map<std::string, std::string>> out;
  const auto* r = result_of(*tree, "DescribeTags");
  if (!r) return out;
  if (auto list = r->get_child_optional("TagDescriptions"))
    for (const auto& [tag, m] : *list) {
      if (tag != "member") continue;
      auto& tags = out[m.get<std::string>("ResourceArn", "")];
      if (auto t = m.get_child_optional("Tags"))
        for (const auto& [ttag, kv] : *t)
          if (ttag == "member") tags[kv.get<std::string>("Key", "")] = kv.get<std::string>("Value", "");
    }
  out.erase("");
  return out;
}

elbv2_client::elbv2_client(caller& c, resolved_endpoint ep) : caller_(c), ep_(std::move(ep)) {}

net::awaitable<outcome<aws_response>> elbv2_client::invoke(std::string action, query_params params) {
  aws_request req;
  req.svc = service::elbv2;
  req.operation = action;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = query_form(action, params, elbv2_version);
  req.proto = protocol::xml;
  co_return co_await caller_.call(ep_, std::move(req));
}

net::awaitable<outcome<target_group_page>> elbv2_client::describe_target_groups(const std::string& marker,
                                                                                const std::vector<std::string>& arns) {
  query_params p{{"PageSize", std::to_string(elbv2_page_size)}};
  if (!marker.empty()) p.emplace_back("Marker", marker);
  for (std::size_t i = 0; i < arns.size(); ++i) p.emplace_back("TargetGroupArns.member." + std::to_string(i + 1), arns[i]);
  auto r = co_await invoke(std::string("DescribeTargetGroups"), std::move(p));
  if (!r) co_return r.error();
  co_return parse_describe_target_groups(r->body);
}

net::awaitable<outcome<std::vector<target_health>>> elbv2_client::describe_target_health(
    const std::string& group_arn, const std::vector<target_ref>& targets) {
  query_params p{{"TargetGroupArn", group_arn}};
  add_targets(p, targets);
  auto r = co_await invoke(std::string("DescribeTargetHealth"), std::move(p));
  if (!r) co_return r.error();
  co_return parse_describe_target_health(r->body);
}

net::awaitable<outcome<void>> elbv2_client::deregister_targets(const std::string& group_arn,
                                                               const std::vector<target_ref>& targets) {
  query_params p{{"TargetGroupArn", group_arn}};
  add_targets(p, targets);
  auto r = co_await invoke(std::string("DeregisterTargets"), std::move(p));
  if (!r) co_return r.error();
  co_return outcome<void>{};
}

net::awaitable<outcome<std::optional<int>>> elbv2_client::deregistration_delay(const std::string& group_arn) {
  query_params p{{"TargetGroupArn", group_arn}};
  auto r = co_await invoke(std::string("DescribeTargetGroupAttributes"), std::move(p));
  if (!r) co_return r.error();
  co_return parse_deregistration_delay(r->body);
}

net::awaitable<outcome<std::map<std::string, std::map<std::string, std::string>>>> elbv2_client::describe_tags(
    const std::vector<std::string>& arns) {
  if (arns.size() > elbv2_tags_per_call)
    co_return make_error(errc::invalid_input, "Elastic Load Balancing DescribeTags takes at most 20 ARNs a call, not " +
                                                  std::to_string(arns.size()));
  query_params p;
  for (std::size_t i = 0; i < arns.size(); ++i) p.emplace_back("ResourceArns.member." + std::to_string(i + 1), arns[i]);
  auto r = co_await invoke(std::string("DescribeTags"), std::move(p));
  if (!r) co_return r.error();
  co_return parse_describe_tags(r->body);
}

} // namespace hookd::aws
