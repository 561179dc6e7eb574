// SPDX-License-Identifier: Apache-2.0
// Notification parsing and the no-loss policy on anything a queue can hold. The invariant:
// decide() never says "delete" for a message that does not name this instance, unless it is a
// test notification.
#include "hookd/lifecycle/disposition.hpp"

#include <cstdlib>

using namespace hookd;
using namespace hookd::lifecycle;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto n = parse_notification(body);
  const self_identity self{"i-0123456789abcdef0", "web-asg", {}, {"drain"}, true, true};
  const auto now = std::chrono::system_clock::now();
  for (const auto sent : {std::optional<sys_time>{}, std::optional<sys_time>{now - std::chrono::hours(100)}}) {
    const auto d = decide(n, self, [](const std::string& t) { return t == "known"; },
                          [](const std::string&) { return std::chrono::seconds(3600); }, now, sent);
    const bool deletes = d.what == verdict::expired || d.what == verdict::test;
    if (!deletes) continue;
    if (d.what == verdict::test && !std::holds_alternative<test_notification>(n)) std::abort();
    if (d.what == verdict::expired) {
      const auto* a = std::get_if<lifecycle_action>(&n);
      if (!a || a->instance_id != self.instance_id || a->group != self.group) std::abort();
    }
  }
  return 0;
}
