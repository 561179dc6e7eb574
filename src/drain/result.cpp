// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/result.hpp"

namespace hookd::drain {

std::string_view name(kind k) { return k == kind::elbv2 ? "elbv2" : "ecs"; }

std::string_view name(status s) {
  switch (s) {
  case status::ok: return "ok";
  case status::timeout: return "timeout";
  case status::failed: return "failed";
  case status::none: return "none";
  }
  return "failed";
}

bool unsuccessful(const result& r) { return r.how == status::timeout || r.how == status::failed; }

std::string format_results(const std::vector<result>& results) {
  std::string out;
  for (const auto& r : results) {
    if (!out.empty()) out += ' ';
    out += std::string(name(r.what)) + "=" + std::string(name(r.how));
    if (r.how == status::ok) out += ":" + std::to_string(r.count);
  }
  return out;
}

} // namespace hookd::drain
