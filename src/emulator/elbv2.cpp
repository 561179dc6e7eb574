// SPDX-License-Identifier: Apache-2.0
// Elastic Load Balancing v2 (query protocol, 2015-12-01): target groups, their registrations and
// the `draining` a deregistration starts, which lasts the group's delay and then is gone.
#include "impl.hpp"

#include <algorithm>

namespace hookd::emulator {

namespace {
constexpr std::string_view elb_xmlns = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

std::string elb_ok(const std::string& action, const std::string& inner) {
  return "<" + action + "Response xmlns=\"" + std::string(elb_xmlns) + "\"><" + action + "Result>" + inner + "</" + action +
         "Result><ResponseMetadata><RequestId>" + uuid() + "</RequestId></ResponseMetadata></" + action + "Response>";
}

reply xml(std::string body) { return reply{200, std::move(body), "text/xml"}; }

/// `<prefix>.member.N.<field>` for N = 1, 2, ... until one is missing.
std::vector<std::map<std::string, std::string>> members(const std::map<std::string, std::string>& p, const std::string& prefix) {
  std::vector<std::map<std::string, std::string>> out;
  for (int n = 1;; ++n) {
    const auto head = prefix + ".member." + std::to_string(n);
    std::map<std::string, std::string> m;
    for (auto it = p.lower_bound(head); it != p.end() && it->first.rfind(head, 0) == 0; ++it) {
      const auto rest = it->first.substr(head.size());
      if (rest.empty()) m[""] = it->second;
      else if (rest[0] == '.') m[rest.substr(1)] = it->second;
    }
    if (m.empty()) return out;
    out.push_back(std::move(m));
  }
}

int port_or(const std::map<std::string, std::string>& m, int fallback) {
  auto it = m.find("Port");
  if (it == m.end()) return fallback;
  try {
    return std::stoi(it->second);
  } catch (const std::exception&) {
    return -1;
  }
}

/// Forgets registrations whose draining is over: ELB no longer lists them.
void settle(elbv2_state::group& g) {
  const auto lasts = g.spec.draining_for.value_or(std::chrono::seconds(g.spec.deregistration_delay_s));
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(g.targets, [&](const elbv2_state::registration& r) { return r.deregistered && now - *r.deregistered >= lasts; });
}

std::string health_xml(const std::string& id, int port, const std::string& state, const std::string& reason) {
  std::string out = "<member><Target><Id>" + xml_escape(id) + "</Id><Port>" + std::to_string(port) +
                    "</Port></Target><TargetHealth><State>" + state + "</State>";
  if (!reason.empty()) out += "<Reason>" + reason + "</Reason>";
  return out + "</TargetHealth></member>";
}

using params = std::map<std::string, std::string>;

std::string param(const params& p, const std::string& k) {
  auto it = p.find(k);
  return it == p.end() ? std::string() : it->second;
}

elbv2_state::group* find_group(elbv2_state& elb, const std::string& arn) {
  for (auto& g : elb.groups)
    if (g.arn == arn) return &g;
  return nullptr;
}

reply not_found() { return server::impl::query_error(400, "TargetGroupNotFound", "One or more target groups not found"); }

reply describe_target_groups(elbv2_state& elb, const params& p) {
  std::vector<const elbv2_state::group*> chosen;
  const auto named = members(p, "TargetGroupArns");
  for (const auto& m : named) {
    auto* g = find_group(elb, param(m, ""));
    if (!g) return not_found();
    chosen.push_back(g);
  }
  if (named.empty())
    for (const auto& g : elb.groups) chosen.push_back(&g);
  const auto asked = param(p, "PageSize");
  const auto size = static_cast<std::size_t>(std::clamp(asked.empty() ? 400 : std::atoi(asked.c_str()), 1, elb.page_limit));
  const std::size_t first = std::strtoul(param(p, "Marker").c_str(), nullptr, 10);
  std::string inner = "<TargetGroups>";
  for (std::size_t i = first; i < chosen.size() && i < first + size; ++i)
    inner += "<member><TargetGroupArn>" + chosen[i]->arn + "</TargetGroupArn><TargetGroupName>" +
             xml_escape(chosen[i]->spec.name) + "</TargetGroupName><TargetType>" + chosen[i]->spec.target_type +
             "</TargetType><Port>" + std::to_string(chosen[i]->spec.port) + "</Port></member>";
  inner += "</TargetGroups>";
  if (first + size < chosen.size()) inner += "<NextMarker>" + std::to_string(first + size) + "</NextMarker>";
  return xml(elb_ok("DescribeTargetGroups", inner));
}

std::string health_of(const elbv2_state::registration& r) {
  return health_xml(r.id, r.port, r.deregistered ? "draining" : "healthy", r.deregistered ? "Target.DeregistrationInProgress" : "");
}

reply describe_target_health(const elbv2_state::group& g, const params& p) {
  std::string inner = "<TargetHealthDescriptions>";
  const auto asked = members(p, "Targets");
  if (asked.empty())
    for (const auto& r : g.targets) inner += health_of(r);
  for (const auto& m : asked) {
    const auto id = param(m, "Id");
    const auto port = port_or(m, g.spec.port);
    auto it = std::find_if(g.targets.begin(), g.targets.end(), [&](const auto& r) { return r.id == id && r.port == port; });
    inner += it == g.targets.end() ? health_xml(id, port, "unused", "Target.NotRegistered") : health_of(*it);
  }
  return xml(elb_ok("DescribeTargetHealth", inner + "</TargetHealthDescriptions>"));
}

reply deregister_targets(elbv2_state::group& g, const params& p) {
  for (const auto& m : members(p, "Targets")) {
    const auto id = param(m, "Id");
    const auto port = port_or(m, g.spec.port);
    for (auto& r : g.targets)
      if (r.id == id && r.port == port && !r.deregistered) r.deregistered = std::chrono::steady_clock::now();
  }
  settle(g);
  return xml(elb_ok("DeregisterTargets", ""));
}

reply describe_attributes(const elbv2_state::group& g) {
  return xml(elb_ok("DescribeTargetGroupAttributes",
                    "<Attributes><member><Key>stickiness.enabled</Key><Value>false</Value></member>"
                    "<member><Key>deregistration_delay.timeout_seconds</Key><Value>" +
                        std::to_string(g.spec.deregistration_delay_s) + "</Value></member></Attributes>"));
}

reply describe_tags(elbv2_state& elb, const params& p) {
  const auto arns = members(p, "ResourceArns");
  if (arns.size() > 20) return server::impl::query_error(400, "ValidationError", "At most 20 resource ARNs can be specified");
  std::string inner = "<TagDescriptions>";
  for (const auto& m : arns) {
    auto* t = find_group(elb, param(m, ""));
    if (!t) return not_found();
    inner += "<member><ResourceArn>" + t->arn + "</ResourceArn><Tags>";
    for (const auto& [k, v] : t->spec.tags)
      inner += "<member><Key>" + xml_escape(k) + "</Key><Value>" + xml_escape(v) + "</Value></member>";
    inner += "</Tags></member>";
  }
  return xml(elb_ok("DescribeTags", inner + "</TagDescriptions>"));
}
} // namespace

std::string server::impl::add_target_group(const target_group_spec& spec) {
  elbv2_state::group g;
  g.arn = "arn:aws:elasticloadbalancing:" + opt.region + ":" + opt.account_id + ":targetgroup/" + spec.name + "/" + random_hex(8);
  g.spec = spec;
  for (const auto& t : spec.targets) g.targets.push_back({t.id, t.port, std::nullopt});
  elb.groups.push_back(std::move(g));
  return elb.groups.back().arn;
}

reply server::impl::elbv2(const std::string& action, const std::map<std::string, std::string>& p) {
  // ELB answers ThrottlingException, "Rate exceeded" (its guide, "Request throttling for the ELB API").
  if (!take_service_token("elasticloadbalancing")) return query_error(400, "ThrottlingException", "Rate exceeded");
  if (action == "DescribeTargetGroups") return describe_target_groups(elb, p);
  if (action == "DescribeTags") return describe_tags(elb, p);
  auto* g = find_group(elb, param(p, "TargetGroupArn"));
  if (!g) return not_found();
  settle(*g);
  if (action == "DescribeTargetHealth") return describe_target_health(*g, p);
  if (action == "DeregisterTargets") return deregister_targets(*g, p);
  if (action == "DescribeTargetGroupAttributes") return describe_attributes(*g);
  return query_error(400, "InvalidAction", "The action " + action + " is not valid for this web service.");
}

// ---- the in-process API ------------------------------------------------------------------------
std::string server::add_target_group(const target_group_spec& spec) { return impl_->add_target_group(spec); }

std::vector<target_view> server::targets(const std::string& group_arn) const { return impl_->target_views(group_arn); }

std::vector<target_view> server::impl::target_views(const std::string& group_arn) {
  std::vector<target_view> out;
  for (auto& g : elb.groups) {
    if (g.arn != group_arn) continue;
    settle(g);
    for (const auto& r : g.targets) out.push_back({r.id, r.port, r.deregistered ? "draining" : "healthy"});
  }
  return out;
}

void server::set_elbv2_page_limit(int groups) { impl_->elb.page_limit = std::max(groups, 1); }

} // namespace hookd::emulator
