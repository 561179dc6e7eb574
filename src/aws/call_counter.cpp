// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/call_counter.hpp"

namespace hookd::aws {

void call_counter::add(const std::string& service, const std::string& code, bool from_endpoint) {
  if (!from_endpoint || counts_.count({service, code})) {
    ++counts_[{service, code}];
    return;
  }
  auto& kept = endpoint_codes_[service];
  if (kept < codes_per_service) {
    ++kept;
    ++counts_[{service, code}];
  } else {
    ++counts_[{service, "other"}];
  }
}

} // namespace hookd::aws
