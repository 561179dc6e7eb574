// SPDX-License-Identifier: Apache-2.0
// Elastic Load Balancing v2 answers read: no I/O (elbv2.cpp holds the client).
#include "hookd/aws/elbv2.hpp"

#include <boost/property_tree/ptree.hpp>

#include <algorithm>

namespace hookd::aws {
namespace pt = boost::property_tree;

namespace {
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

} // namespace hookd::aws
