#pragma once
// SPDX-License-Identifier: Apache-2.0
// What a drain reports, and HOOKD_DRAIN_RESULT, the line a terminate script reads. Pure.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::drain {

enum class kind { elbv2, ecs };
/// ok: drained (count may be 0: a container instance with no task); timeout: the deadline came
/// first; failed: AWS refused or answered nonsense (reason says which and the fix); none: nothing
/// of this instance to drain (no registration, no container instance).
enum class status { ok, timeout, failed, none };

std::string_view name(kind k);
std::string_view name(status s);

struct result {
  drain::kind what = kind::elbv2;
  drain::status how = status::none;
  int count = 0;       ///< registrations deregistered (elbv2), tasks on the instance when it was set DRAINING (ecs)
  std::string reason;  ///< one line for the log: what, where, the fix; empty when ok
  std::chrono::milliseconds duration{0};
};

/// Whether --drain-failure applies: the drain timed out or failed (ok and none never do).
bool unsuccessful(const result& r);

/// HOOKD_DRAIN_RESULT: one `KIND=STATUS[:COUNT]` per drain, space-separated, in the order given;
/// COUNT is written for `ok` only ("elbv2=ok:3 ecs=timeout").
std::string format_results(const std::vector<result>& results);

} // namespace hookd::drain
