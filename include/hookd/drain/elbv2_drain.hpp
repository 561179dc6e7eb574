#pragma once
// SPDX-License-Identifier: Apache-2.0
// The load-balancer drain: find every ELBv2 target group in which this instance is a registered
// target (by instance id in `instance` groups, by its private IPv4 addresses in `ip` groups),
// deregister exactly those registrations (id or IP, with their ports), then wait until each is
// gone or `unused`, or until its group's deregistration delay has passed.
//
// Requests: the scan costs ceil(G/400) DescribeTargetGroups + G DescribeTargetHealth for the G
// groups scanned (`--drain-target-groups` narrows G; a tag filter adds ceil(G/20) DescribeTags);
// each of the M groups holding this instance adds DescribeTargetGroupAttributes, DeregisterTargets
// and its polls: a tenth of its delay apart (see poll_timing), jittered down to 0.8 of that, and
// none once the delay is over, so at most 12 within the default --drain-timeout (300 s; the
// interval is 30 s at most). Calls are sequential: one in flight per instance. A throttled call
// of the scan or the deregistration is sent again, backing off, until the deadline (a poll is not:
// the next poll asks again); throttled attempts come on top of these counts.
//
// Cancellation: bounded by `deadline` (status timeout) and cancellable (status failed, reason
// "cancelled"); never throws for AWS's misbehaviour. Single-threaded: on the clients' io_context.
#include "hookd/aws/elbv2.hpp"
#include "hookd/config/drain_settings.hpp"
#include "hookd/core/log.hpp"
#include "hookd/drain/elbv2_plan.hpp"
#include "hookd/drain/result.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace hookd::drain {

struct elbv2_request {
  std::string instance_id;
  std::vector<std::string> private_ips; ///< for `ip` target groups (from instance metadata)
  config::target_group_filter groups;   ///< --drain-target-groups
  std::chrono::steady_clock::time_point deadline;
  poll_timing timing;
};

boost::asio::awaitable<result> drain_elbv2(aws::elbv2_client& elb, const elbv2_request& req, logger& log);

} // namespace hookd::drain
