// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/drain_phase.hpp"

#include "hookd/agent/agent.hpp"
#include "hookd/drain/private_ips.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

steady::time_point drain_deadline(steady::time_point now, std::chrono::milliseconds timeout, steady::time_point global,
                                  std::optional<std::chrono::milliseconds> until_interruption) {
  auto end = std::min(now + timeout, global);
  if (until_interruption) end = std::min(end, now + std::max(std::chrono::milliseconds(0), *until_interruption * 2 / 3));
  return end;
}

net::awaitable<std::vector<drain::result>> drain_phase::drain_all(const drain::drain_request& req) {
  // Its own coroutine, bound to hookd's stop: after the shutdown grace the drains end at their next
  // step (a spawned coroutine passes only terminal cancellation unless told otherwise).
  auto work = [this, &req]() -> net::awaitable<std::vector<drain::result>> {
    co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
    co_return co_await drain::run_drains(d_.clients, req, d_.log);
  };
  co_return co_await net::co_spawn(d_.ex, work(), net::bind_cancellation_slot(d_.stop, net::use_awaitable));
}

void drain_phase::count(const std::vector<drain::result>& results) {
  for (const auto& r : results) {
    ++d_.status.drains[{std::string(drain::name(r.what)), std::string(drain::name(r.how))}];
    d_.status.drain_seconds[std::string(drain::name(r.what))] += std::chrono::duration<double>(r.duration).count();
  }
}

net::awaitable<bool> drain_phase::run(run_context& ctx) {
  const auto& a = ctx.r.action;
  if (!applies(d_.settings, a)) co_return true;
  drain::drain_request req;
  req.instance_id = a.instance_id;
  req.settings = d_.settings;
  req.timing = d_.timing;
  std::optional<std::chrono::milliseconds> until_interruption;
  if (ctx.r.must_end_by)
    until_interruption = std::chrono::duration_cast<std::chrono::milliseconds>(*ctx.r.must_end_by - std::chrono::system_clock::now());
  req.deadline = drain_deadline(steady::now(), d_.settings.timeout, ctx.global, until_interruption);
  if (d_.settings.elbv2 && d_.imds) {
    if (auto ips = co_await drain::private_ipv4s(*d_.imds)) req.private_ips = std::move(*ips);
    else d_.log.warn("drain-private-ips-unknown", {{"error", ips.error().message()},
                                                   {"what", "only instance-id registrations are drained; ip target groups are not"}});
  }
  const auto results = co_await drain_all(req);
  count(results);
  const auto line = drain::format_results(results);
  ctx.script_env["HOOKD_DRAIN_RESULT"] = line;
  if (d_.told) d_.told(line);
  const bool failed = std::any_of(results.begin(), results.end(), [](const auto& r) { return drain::unsuccessful(r); });
  if (!failed || d_.settings.on_failure == config::drain_failure::continue_script) co_return true;
  d_.log.error("drain-failed-abandon", {{"token", a.token}, {"drains", line},
                                        {"what", "--drain-failure abandon: the script is not run; the action completes with ABANDON"}});
  ctx.result = "ABANDON";
  ctx.sum.outcome = "not started: drain " + line;
  co_return false;
}

} // namespace hookd::agent
