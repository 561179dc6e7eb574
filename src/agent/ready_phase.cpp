// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/ready_phase.hpp"

#include "hookd/agent/agent.hpp"
#include "hookd/agent/script.hpp"
#include "hookd/core/async.hpp"
#include "hookd/core/time.hpp"
#include "hookd/version.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hookd::agent {
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

net::awaitable<ready_check> ready_phase::check_http(const outcome<config::ready_url>& parsed, milliseconds limit) {
  if (!parsed) co_return ready_check{false, parsed.error().message()}; // validated with the settings: not reached
  const auto& url = *parsed;
  if (!d_.http) co_return ready_check{false, "no HTTP client for --ready-http"};
  http::string_request req{bhttp::verb::get, url.target, 11};
  req.set(bhttp::field::host, url.ep.host_header());
  req.set(bhttp::field::user_agent, std::string("hookd/") + hookd::version);
  http::request_options opt;
  opt.timeout = limit;
  opt.body_limit = 1024 * 1024;
  opt.direct = true; // the instance's own service: never through a proxy
  auto r = co_await d_.http->send(url.ep, std::move(req), opt);
  // The error's code, not its text: the text names the request target, which may hold a token.
  if (!r) co_return ready_check{false, url.origin + " did not answer (" + r.error().code.message() + ")"};
  co_return judge_http(r->result_int(), r->body(), d_.s.ready.http_body);
}

net::awaitable<ready_check> ready_phase::check_command(const run_context& ctx, milliseconds limit) {
  // The script's environment and user (HOOKD_* variables, --run-as), through /bin/sh -c.
  auto cmd = script_command("/bin/sh", ctx.r.action, d_.region, d_.s.script, d_.env);
  cmd.args = {"-c", d_.s.ready.command};
  for (const auto& [name, value] : ctx.script_env) cmd.env.push_back(name + "=" + value);
  proc::limits lim;
  lim.time_limit = limit;
  lim.grace = std::min(d_.s.script.kill_grace, milliseconds(2000));
  auto& log = d_.log;
  const auto& token = ctx.r.action.token;
  auto on_line = [&log, &token](std::string_view stream, std::string_view line, bool) {
    log.debug("ready-output", {{"stream", std::string(stream)}, {"line", std::string(line)}, {"token", token}});
  };
  const auto rr = co_await proc::run(std::move(cmd), lim, on_line);
  co_return judge_command(rr.succeeded(), rr.describe(), rr.tail.empty() ? std::string_view() : std::string_view(rr.tail.back()));
}

net::awaitable<ready_check> ready_phase::round(const run_context& ctx, steady::time_point deadline) {
  ready_check all{true, ""};
  const auto add = [&all](const char* what, const ready_check& c) {
    if (c.passed) return;
    all.passed = false;
    all.detail += (all.detail.empty() ? "" : "; ") + std::string(what) + ": " + c.detail;
  };
  if (url_) {
    const auto c = co_await check_http(*url_, ready_check_limit(steady::now(), deadline, d_.s.ready.check_timeout));
    count("http", c.passed);
    add("http", c);
  }
  if (!d_.s.ready.command.empty()) {
    const auto c = co_await check_command(ctx, ready_check_limit(steady::now(), deadline, d_.s.ready.check_timeout));
    count("command", c.passed);
    add("command", c);
  }
  co_return all;
}

net::awaitable<ready_step::kind> ready_phase::wait_ready(const run_context& ctx, ready_gate& gate) {
  // Its own coroutine, bound to hookd's stop: cancellation ends a check (the command the
  // supervisor's way) or the wait between rounds, and the gate ends not ready. Nothing throws.
  auto work = [this, &ctx, &gate]() -> net::awaitable<ready_step::kind> {
    co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
    co_await net::this_coro::throw_if_cancelled(false);
    const auto cancel = co_await net::this_coro::cancellation_state;
    const auto stopped = [&cancel] { return cancel.cancelled() != net::cancellation_type::none; };
    net::steady_timer t(d_.ex);
    for (;;) {
      const auto c = co_await round(ctx, gate.deadline());
      if (stopped()) co_return ready_step::timed_out;
      const auto step = gate.after_round(c.passed, c.detail, steady::now());
      d_.log.debug("ready-round", {{"token", ctx.r.action.token}, {"passed", c.passed ? "yes" : "no"},
                                   {"in_a_row", std::to_string(gate.in_a_row())}, {"detail", c.detail}});
      if (step.what == ready_step::ready) co_return step.what;
      t.expires_at(step.at); // the next round, or the deadline
      if (auto [ec] = co_await t.async_wait(nothrow); ec || stopped() || step.what == ready_step::timed_out) co_return ready_step::timed_out;
    }
  };
  co_return co_await net::co_spawn(d_.ex, work(), net::bind_cancellation_slot(d_.stop, net::use_awaitable));
}

net::awaitable<bool> ready_phase::run(run_context& ctx) {
  const auto& a = ctx.r.action;
  if (!ready_gate_applies(d_.s.ready, a, ctx.result, d_.s.on_success)) co_return true;
  if (!d_.s.ready.http_url.empty()) url_ = config::parse_ready_url(d_.s.ready.http_url); // once, for every round
  const auto start = steady::now();
  ready_gate gate(d_.s.ready.passes, d_.s.ready.interval, d_.s.ready.round_bound(),
                  ready_deadline(start, d_.s.ready.timeout, ctx.global));
  d_.log.info("ready-wait", {{"token", a.token}, {"passes", std::to_string(d_.s.ready.passes)},
                             {"timeout", format_duration(std::chrono::duration_cast<milliseconds>(gate.deadline() - start))}});
  const auto end = co_await wait_ready(ctx, gate);
  const auto took = std::chrono::duration_cast<milliseconds>(steady::now() - start);
  d_.status.ready_seconds += std::chrono::duration<double>(took).count();
  if (end == ready_step::ready) {
    ++d_.status.ready_gates["ready"];
    d_.log.info("ready", {{"token", a.token}, {"rounds", std::to_string(gate.rounds())}, {"took", format_duration(took)}});
    co_return true;
  }
  ++d_.status.ready_gates["not_ready"];
  const auto last = gate.last_failure().empty() ? std::string("no failure seen, but too few passes in a row") : gate.last_failure();
  d_.log.error("ready-timeout", {{"token", a.token}, {"rounds", std::to_string(gate.rounds())}, {"took", format_duration(took)},
                                 {"last_failure", last}, {"result", d_.s.ready.on_failure},
                                 {"what", "the instance did not become ready in time (--ready-timeout); completing with --ready-failure"}});
  ctx.result = d_.s.ready.on_failure;
  ctx.sum.outcome += "; not ready: " + last;
  co_return false;
}

} // namespace hookd::agent
