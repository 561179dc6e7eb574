// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/elbv2_drain.hpp"

#include "bounded.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/core/jitter.hpp"

#include <algorithm>

namespace hookd::drain {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
// 100 pages of 400 groups: far above ELB's default quota of 3,000 groups a region, so only a
// marker that never ends (a faulty endpoint) reaches it.
constexpr int max_group_pages = 100;
// ELB's default deregistration delay, assumed when a group's attributes cannot be read.
constexpr std::chrono::seconds default_delay{300};
// Polls of one group over its delay (poll_timing): with the final look, about 11.
constexpr int polls_per_delay = 10;

/// A group holding this instance, from its deregistration until each target settles.
struct draining_group {
  std::string arn;
  std::vector<aws::target_ref> targets;
  steady::time_point until; ///< its deregistration delay passed: ELB sends the targets nothing more
  std::chrono::milliseconds interval;
};

std::string with_elb_fix(const error& e, std::string_view operation) {
  return with_permission_fix(e, "elasticloadbalancing:" + std::string(operation));
}

std::string describe(const std::vector<aws::target_ref>& targets) {
  std::string out;
  for (const auto& t : targets) out += (out.empty() ? "" : ",") + t.id + (t.port ? ":" + std::to_string(t.port) : "");
  return out;
}

class elbv2_drainer {
public:
  elbv2_drainer(aws::elbv2_client& elb, const elbv2_request& req, logger& log, progress& p)
      : elb_(elb), req_(req), log_(log), progress_(p) {}

  net::awaitable<result> run() {
    progress_.stage = "listing target groups";
    auto groups = co_await list_groups();
    if (!groups) co_return result{kind::elbv2, status::failed, 0, groups.error().context, {}};
    for (const auto& g : *groups) {
      if (co_await cancelled()) co_return stopped();
      co_await drain_group(g);
    }
    progress_.stage = "waiting for " + std::to_string(progress_.count) + " deregistrations to finish";
    if (!co_await wait_settled()) co_return stopped();
    if (!problem_.empty()) co_return result{kind::elbv2, status::failed, progress_.count, problem_, {}};
    co_return result{kind::elbv2, progress_.count > 0 ? status::ok : status::none, progress_.count, {}, {}};
  }

private:
  result stopped() const { return {kind::elbv2, status::failed, progress_.count, "cancelled while " + progress_.stage, {}}; }

  /// The groups named by ARN (20 a call), or every group of the region, then the tag filter.
  net::awaitable<outcome<std::vector<aws::target_group>>> list_groups() {
    const auto& arns = req_.groups.arns;
    std::vector<aws::target_group> all;
    for (std::size_t first = 0; first == 0 || first < arns.size(); first += aws::elbv2_tags_per_call) {
      const auto last = std::min(arns.size(), first + aws::elbv2_tags_per_call);
      std::vector<std::string> batch(arns.begin() + static_cast<std::ptrdiff_t>(first),
                                     arns.begin() + static_cast<std::ptrdiff_t>(last));
      auto page = co_await list_pages(batch, all);
      if (!page) co_return page.error();
    }
    std::erase_if(all, [&](const aws::target_group& g) {
      return !(g.target_type == "instance" || (g.target_type == "ip" && !req_.private_ips.empty()));
    });
    if (req_.groups.by_tag()) co_return co_await keep_tagged(std::move(all));
    co_return all;
  }

  net::awaitable<outcome<void>> list_pages(const std::vector<std::string>& arns, std::vector<aws::target_group>& into) {
    std::string marker;
    for (int page = 0; page < max_group_pages; ++page) {
      auto r = co_await while_throttled([&] { return elb_.describe_target_groups(marker, arns); });
      if (!r) co_return make_error(errc::service_error, with_elb_fix(r.error(), "DescribeTargetGroups"));
      into.insert(into.end(), r->groups.begin(), r->groups.end());
      marker = r->next_marker;
      if (marker.empty()) co_return outcome<void>{};
    }
    co_return make_error(errc::protocol_error, "Elastic Load Balancing DescribeTargetGroups: still a NextMarker after " +
                                                   std::to_string(max_group_pages) + " pages; narrow with --drain-target-groups");
  }

  net::awaitable<outcome<std::vector<aws::target_group>>> keep_tagged(std::vector<aws::target_group> groups) {
    progress_.stage = "reading target-group tags";
    std::vector<aws::target_group> kept;
    for (std::size_t first = 0; first < groups.size(); first += aws::elbv2_tags_per_call) {
      std::vector<std::string> batch;
      for (std::size_t i = first; i < std::min(groups.size(), first + aws::elbv2_tags_per_call); ++i)
        batch.push_back(groups[i].arn);
      auto tags = co_await while_throttled([&] { return elb_.describe_tags(batch); });
      if (!tags) co_return make_error(errc::service_error, with_elb_fix(tags.error(), "DescribeTags"));
      for (std::size_t i = first; i < std::min(groups.size(), first + aws::elbv2_tags_per_call); ++i)
        if (auto it = tags->find(groups[i].arn); it != tags->end() && tag_matches(it->second, req_.groups))
          kept.push_back(groups[i]);
    }
    co_return kept;
  }

  /// One group: our registrations in it, deregistered; remembered for the wait.
  net::awaitable<void> drain_group(const aws::target_group& g) {
    progress_.stage = "reading the targets of " + g.arn;
    const std::vector<aws::target_ref> every; // named: the awaitable outlives the lambda's expression (no default argument)
    auto health = co_await while_throttled([&] { return elb_.describe_target_health(g.arn, every); });
    if (!health) {
      // A group deleted since the listing holds nothing to drain.
      if (health.error().aws_code != "TargetGroupNotFound") note(with_elb_fix(health.error(), "DescribeTargetHealth"));
      co_return;
    }
    auto own = find_own(g, *health, req_.instance_id, req_.private_ips);
    if (own.wait_for.empty()) co_return;
    auto delay = co_await deregistration_delay(g.arn);
    if (!own.deregister.empty()) {
      progress_.stage = "deregistering from " + g.arn;
      auto r = co_await while_throttled([&] { return elb_.deregister_targets(g.arn, own.deregister); });
      if (!r) co_return note(with_elb_fix(r.error(), "DeregisterTargets"));
    }
    progress_.count += static_cast<int>(own.wait_for.size());
    log_.info("drain-deregistered", {{"kind", "elbv2"}, {"group", g.arn}, {"targets", describe(own.wait_for)},
                                     {"delay_s", std::to_string(delay.count() / 1000)}});
    waiting_.push_back({g.arn, std::move(own.wait_for), steady::now() + delay,
                        poll_interval(delay, req_.timing, polls_per_delay)});
  }

  net::awaitable<std::chrono::milliseconds> deregistration_delay(const std::string& arn) {
    auto d = co_await while_throttled([&] { return elb_.deregistration_delay(arn); });
    if (d && *d) co_return std::chrono::seconds(**d);
    log_.warn("drain-delay-unknown", {{"group", arn}, {"assumed_s", std::to_string(default_delay.count())},
                                      {"why", d ? std::string("no deregistration_delay.timeout_seconds attribute")
                                                : with_elb_fix(d.error(), "DescribeTargetGroupAttributes")}});
    co_return default_delay;
  }

  /// Until every registration is gone or `unused`, or its group's delay has passed. A failed look
  /// is no failed drain: the delay bounds the wait whatever the answers. False when cancelled.
  net::awaitable<bool> wait_settled() {
    for (;;) {
      const auto now = steady::now();
      std::erase_if(waiting_, [&](const draining_group& g) { return g.targets.empty() || now >= g.until; });
      if (waiting_.empty()) co_return true;
      auto interval = waiting_.front().interval;
      for (const auto& g : waiting_) interval = std::min(interval, g.interval);
      // The poll interval is jittered, the end of a group's delay is not: a jittered end would
      // wake just before it, poll, and wait a shorter and shorter rest again.
      auto pause = jittered(interval, 0.8, 1.2);
      for (const auto& g : waiting_) pause = std::min(pause, std::chrono::ceil<std::chrono::milliseconds>(g.until - now));
      if (!co_await exact_pause(pause)) co_return false;
      for (auto& g : waiting_) {
        if (steady::now() >= g.until) continue;
        auto h = co_await elb_.describe_target_health(g.arn, g.targets);
        if (!h) continue;
        std::erase_if(g.targets, [&](const aws::target_ref& t) { return settled(*h, t); });
      }
    }
  }

  /// The first failure is the drain's reason; the drain still deregisters what it can elsewhere.
  void note(const std::string& why) {
    log_.warn("drain-problem", {{"kind", "elbv2"}, {"why", why}});
    if (problem_.empty()) problem_ = why;
  }

  aws::elbv2_client& elb_;
  const elbv2_request& req_;
  logger& log_;
  progress& progress_;
  std::vector<draining_group> waiting_;
  std::string problem_;
};
} // namespace

net::awaitable<result> drain_elbv2(aws::elbv2_client& elb, const elbv2_request& req, logger& log) {
  co_return co_await run_drainer<elbv2_drainer>(kind::elbv2, elb, req, log);
}

} // namespace hookd::drain
