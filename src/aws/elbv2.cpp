// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/elbv2.hpp"

#include <boost/property_tree/ptree.hpp>

#include <algorithm>

namespace hookd::aws {
namespace pt = boost::property_tree;
namespace net = boost::asio;

namespace {
constexpr std::string_view elbv2_version = "2015-12-01";
void add_targets(query_params& p, const std::vector<target_ref>& targets) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto n = "Targets.member." + std::to_string(i + 1);
    p.emplace_back(n + ".Id", targets[i].id);
    if (targets[i].port > 0) p.emplace_back(n + ".Port", std::to_string(targets[i].port));
  }
}
} // namespace
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
