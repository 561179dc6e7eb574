// SPDX-License-Identifier: Apache-2.0
// The drain settings' rows, and the parsing of --drain-target-groups.
#include "hookd/config/drain_settings.hpp"

#include "table.hpp"

namespace hookd::config {

namespace {
/// No controls or spaces: a value that reaches a log line or a request must not start a new one.
bool printable_word(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return !s.empty();
}

std::vector<std::string> split_commas(std::string_view v) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos <= v.size();) {
    const auto comma = std::min(v.find(',', pos), v.size());
    if (comma > pos) out.emplace_back(v.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

std::optional<std::string> set_kinds(drain_config& d, const std::string& v) {
  d.elbv2 = d.ecs = false;
  for (const auto& word : split_commas(v)) {
    if (word == "elbv2") d.elbv2 = true;
    else if (word == "ecs") d.ecs = true;
    else return "elbv2, ecs or elbv2,ecs (empty: no drain)";
  }
  return std::nullopt;
}
} // namespace

outcome<target_group_filter> parse_target_group_filter(std::string_view text) {
  target_group_filter f;
  if (text.empty()) return f;
  if (text.starts_with("tag:")) {
    const auto kv = text.substr(4);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return make_error(errc::invalid_input, "tag:KEY=VALUE with a non-empty KEY, e.g. tag:hookd-drain=true");
    f.tag_key = std::string(kv.substr(0, eq));
    f.tag_value = std::string(kv.substr(eq + 1)); // may hold '=' and may be empty, as an ELB tag value may
    return f;
  }
  for (auto& arn : split_commas(text)) {
    if (!arn.starts_with("arn:") || arn.find(":targetgroup/") == std::string::npos || !printable_word(arn))
      // The value is not echoed: settings lines are never repeated back, in case one holds a secret.
      return make_error(errc::invalid_input, "target-group ARNs (arn:aws:elasticloadbalancing:REGION:ACCOUNT:"
                                             "targetgroup/NAME/ID), comma-separated, or tag:KEY=VALUE");
    f.arns.push_back(std::move(arn));
  }
  if (f.arns.size() > max_target_group_arns) return make_error(errc::invalid_input, "at most 400 target-group ARNs");
  return f;
}

const std::vector<setting>& drain_settings() {
  static const std::vector<setting> t{
      {"--drain", "HOOKD_DRAIN", "KIND[,KIND]", "before a terminate script: elbv2 (deregister load-balancer targets), ecs (drain the container instance); default none",
       [](settings& s, const std::string& v) { return set_kinds(s.drain, v); }},
      {"--drain-timeout", "HOOKD_DRAIN_TIMEOUT", "DURATION", "time limit of each drain (default 5m)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         std::chrono::milliseconds d{};
         if (auto e = set_duration(d, v)) return e;
         if (d.count() <= 0) return "a positive duration";
         s.drain.timeout = d;
         return std::nullopt;
       }},
      {"--drain-failure", "HOOKD_DRAIN_FAILURE", "continue|abandon", "after a drain failed or timed out: run the script (continue) or complete with ABANDON",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v == "continue") s.drain.on_failure = drain_failure::continue_script;
         else if (v == "abandon") s.drain.on_failure = drain_failure::abandon;
         else return "continue or abandon";
         return std::nullopt;
       }},
      {"--drain-target-groups", "HOOKD_DRAIN_TARGET_GROUPS", "ARN[,ARN]|tag:KEY=VALUE", "only these target groups are scanned (default: every group of the region)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         auto f = parse_target_group_filter(v);
         if (!f) return f.error().context;
         s.drain.target_groups = std::move(*f);
         return std::nullopt;
       }},
      {"--ecs-cluster", "HOOKD_ECS_CLUSTER", "NAME", "the ECS cluster (default: ECS_CLUSTER in /etc/ecs/ecs.config, else default)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (!printable_word(v) || v.size() > 2048) return "a cluster name or ARN without spaces";
         s.drain.ecs_cluster = v;
         return std::nullopt;
       }},
  };
  return t;
}

} // namespace hookd::config
