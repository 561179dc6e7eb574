// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/script_phase.hpp"

#include "hookd/agent/agent.hpp"
#include "hookd/agent/script.hpp"
#include "hookd/agent/surviving_script.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace hookd::agent {
namespace net = boost::asio;

void script_phase::record_spawn(const run_context& ctx, pid_t pid) {
  journal_entry e{ctx.r.action, ctx.r.message_id, ctx.r.receipt_handle, std::chrono::system_clock::now()};
  e.resumes = ctx.r.resumes;
  e.script_pgid = pid;
  e.script_start = process_start_ticks(pid);
  e.boot_id = current_boot_id();
  // Not awaited: the exec goes first; the entry follows within the fsync's time.
  net::co_spawn(d_.ex, [&j = d_.j, &log = d_.log, e]() -> net::awaitable<void> {
    if (auto written = co_await j.write(e); !written) log.warn("journal-write-failed", {{"error", written.error().message()}});
  }, net::detached);
}

net::awaitable<bool> script_phase::run(run_context& ctx) {
  const auto& a = ctx.r.action;
  proc::run_result rr;
  if (!ctx.script_path) {
    d_.log.error("script-unavailable", {{"token", a.token}, {"why", ctx.fetch_error}});
    tell(event_kind::failure, "the script could not be fetched: " + ctx.fetch_error, std::nullopt);
    rr.spawn_error = ctx.fetch_error;
  } else {
    auto limits = d_.s.script;
    if (ctx.r.must_end_by) {
      // A Spot interruption: the script must be over before the instance is taken away.
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*ctx.r.must_end_by - std::chrono::system_clock::now());
      limits.time_limit = limit_before(left, limits.kill_grace, limits.time_limit);
    }
    auto cmd = script_command(*ctx.script_path, a, d_.region, limits, d_.env);
    for (const auto& [name, value] : ctx.script_env) cmd.env.push_back(name + "=" + value);
    auto on_spawn = [this, &ctx](pid_t pid) {
      if (d_.spawned) d_.spawned();
      tell(event_kind::script_started, {}, std::nullopt);
      record_spawn(ctx, pid);
    };
    rr = co_await supervise_script(std::move(cmd), limits, a.token, d_.log, d_.stop, on_spawn);
    ctx.sum.script_started = rr.spawn_error.empty();
    discard_script(*ctx.script_path, d_.s.script);
    if (ctx.sum.script_started) tell(event_kind::script_finished, rr.describe(), rr.duration);
  }
  ctx.sum.outcome = rr.describe();
  ctx.sum.script_duration = rr.duration;
  ctx.result = rr.succeeded() ? d_.s.on_success : d_.s.on_failure;
  if (!rr.succeeded())
    for (const auto& l : rr.tail) d_.log.warn("script-tail", {{"token", a.token}, {"line", l}});
  co_return true;
}

} // namespace hookd::agent
