// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/drains.hpp"

#include "hookd/core/read_file.hpp"
#include "hookd/drain/ecs_drain.hpp"
#include "hookd/drain/elbv2_drain.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

namespace hookd::drain {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
std::string ms_until(steady::time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t - steady::now()).count());
}

void log_end(logger& log, const result& r) {
  const auto lvl = unsuccessful(r) ? log_level::warn : log_level::info;
  log.log(lvl, "drain-end", {{"kind", std::string(name(r.what))}, {"status", std::string(name(r.how))},
                             {"count", std::to_string(r.count)}, {"duration_ms", std::to_string(r.duration.count())},
                             {"reason", r.reason}});
}

net::awaitable<result> elbv2_side(const drain_clients& c, const drain_request& req, logger& log) {
  if (!c.elbv2) co_return result{kind::elbv2, status::failed, 0, "no Elastic Load Balancing client (a wiring bug)", {}};
  log.info("drain-start", {{"kind", "elbv2"}, {"instance", req.instance_id}, {"private_ips", std::to_string(req.private_ips.size())},
                           {"deadline_ms", ms_until(req.deadline)}});
  const elbv2_request r{req.instance_id, req.private_ips, req.settings.target_groups, req.deadline, req.timing};
  auto out = co_await drain_elbv2(*c.elbv2, r, log);
  log_end(log, out);
  co_return out;
}

net::awaitable<result> ecs_side(const drain_clients& c, const drain_request& req, logger& log) {
  if (!c.ecs) co_return result{kind::ecs, status::failed, 0, "no ECS client (a wiring bug)", {}};
  // ecs.config is a few lines on local disk, read once per drain: too small to stall the loop.
  const auto text = req.settings.ecs_cluster.empty() ? read_whole_file(req.ecs_config_path) : std::nullopt;
  auto cluster = choose_cluster(req.settings.ecs_cluster, text, req.ecs_config_path);
  if (!cluster) {
    result bad{kind::ecs, status::failed, 0, cluster.error().message(), {}};
    log_end(log, bad);
    co_return bad;
  }
  log.info("drain-start", {{"kind", "ecs"}, {"instance", req.instance_id}, {"cluster", *cluster},
                           {"deadline_ms", ms_until(req.deadline)}});
  const ecs_request r{req.instance_id, *cluster, req.deadline, req.timing};
  auto out = co_await drain_ecs(*c.ecs, r, log);
  log_end(log, out);
  co_return out;
}
/// A side of `&&` runs as a coroutine of its own, whose filter passes only terminal cancellation
/// by default: without this, hookd's stop (total) would not reach the drains.
net::awaitable<result> accepting_total(net::awaitable<result> side) {
  co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
  co_return co_await std::move(side);
}
} // namespace

net::awaitable<std::vector<result>> run_drains(const drain_clients& clients, const drain_request& req, logger& log) {
  using namespace net::experimental::awaitable_operators;
  const auto& s = req.settings;
  if (s.elbv2 && s.ecs) {
    // Side by side: neither waits for the other's deadline. Neither throws, so `&&` never
    // cancels one for the other's failure. Named first for GCC 12 (see bounded.cpp).
    auto a = accepting_total(elbv2_side(clients, req, log));
    auto b = accepting_total(ecs_side(clients, req, log));
    auto [ra, rb] = co_await (std::move(a) && std::move(b));
    co_return std::vector<result>{std::move(ra), std::move(rb)};
  }
  std::vector<result> out;
  if (s.elbv2) out.push_back(co_await elbv2_side(clients, req, log));
  if (s.ecs) out.push_back(co_await ecs_side(clients, req, log));
  co_return out;
}

} // namespace hookd::drain
