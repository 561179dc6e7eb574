// SPDX-License-Identifier: Apache-2.0
// A confirmed run's phases (pipeline.hpp): [drain] -> script -> [ready], under one heartbeat.
#include "hookd/agent/agent.hpp"
#include "hookd/agent/drain_phase.hpp"
#include "hookd/agent/ready_phase.hpp"
#include "hookd/agent/script_phase.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

net::awaitable<void> agent::run_confirmed(received_action& r, const std::optional<std::string>& path, const std::string& why,
                                          steady::time_point global, action_summary& sum) {
  using namespace net::experimental::awaitable_operators;
  const auto& a = r.action;
  run_context ctx{r, sum, path, why, global, s_.on_failure, {}};
  const auto told = [this, &a](event_kind k, std::string detail, std::optional<std::chrono::milliseconds> took) {
    auto e = about(k, a, std::move(detail));
    e.duration = took;
    tell(e);
  };
  script_phase script({ex_, s_, id_.region, env_, journal_, log_, script_stop_.slot(), [this] { open_exec_gate(); }, told});
  drain_phase drain({ex_, s_.drain, s_.drain_timing, drains_, imds_, log_, status_, script_stop_.slot(),
                     [&told](std::string results) { told(event_kind::drain_result, std::move(results), std::nullopt); }});
  ready_phase ready({ex_, s_, http_, id_.region, env_, log_, status_, script_stop_.slot()});
  std::vector<phase*> phases;
  if (drain_phase::applies(s_.drain, a)) phases.push_back(&drain);
  phases.push_back(&script);
  if (s_.ready.any() && a.transition == lifecycle::transition::launch) phases.push_back(&ready); // it decides after the script
  const auto entering = [this, &a](std::string_view name) {
    if (name != "script") open_exec_gate(); // no exec comes next: the batch's other calls need not wait
    if (name == "drain") tell_phase(event_kind::draining);
    if (!status_.running || status_.running->token != a.token) return;
    status_.running->phase = std::string(name);
    status_.running->phase_started = std::chrono::system_clock::now();
    status_changed();
  };
  // One heartbeat for the whole run: it ends when the last phase does.
  co_await (run_phases(phases, ctx, entering) ||
            keep_alive(a, r.receipt_handle, r.resumed, heartbeat_interval(a.hook), global, sum.heartbeats));
  sum.result = ctx.result;
}

} // namespace hookd::agent
