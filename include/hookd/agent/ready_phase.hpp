#pragma once
// SPDX-License-Identifier: Apache-2.0
// The pipeline's readiness gate (--ready-http, --ready-command): after a launch script succeeded,
// the action is completed with CONTINUE only once the instance is ready to serve. Every
// --ready-interval a round of checks runs (a GET that must answer 2xx, a command that must exit
// 0); --ready-passes rounds in a row must pass, and a failed round starts the count over. At
// --ready-timeout (never past the action's global timeout) the run ends with --ready-failure and
// the last failure in one log line. The runner heartbeats the action throughout. The decisions are
// in agent/ready_gate.hpp (pure); this is the I/O around them. Single-threaded; never throws.
#include "hookd/agent/options.hpp"
#include "hookd/agent/pipeline.hpp"
#include "hookd/agent/ready_gate.hpp"
#include "hookd/agent/status.hpp"
#include "hookd/config/ready_settings.hpp"
#include "hookd/core/env.hpp"
#include "hookd/core/log.hpp"
#include "hookd/http/client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

namespace hookd::agent {

class ready_phase final : public phase {
public:
  struct deps {
    boost::asio::any_io_executor ex;
    const options& s;        ///< s.ready, the script's user and limits, the success result
    http::client* http;      ///< for --ready-http (null: that check fails, saying why)
    const std::string& region;
    const env_lookup& env;
    logger& log;
    status_snapshot& status; ///< gate and check counts for the metrics
    boost::asio::cancellation_slot stop; ///< hookd's shutdown, after its grace: the gate ends, not ready
  };
  explicit ready_phase(deps d) : d_(std::move(d)) {}
  std::string_view name() const override { return "ready"; }
  boost::asio::awaitable<bool> run(run_context& ctx) override;

private:
  /// The gate's loop, in its own coroutine bound to `stop`. Returns the gate's end.
  boost::asio::awaitable<ready_step::kind> wait_ready(const run_context& ctx, ready_gate& gate);
  /// One round: every configured check, each bounded by the time left.
  boost::asio::awaitable<ready_check> round(const run_context& ctx, std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<ready_check> check_http(const outcome<config::ready_url>& url, std::chrono::milliseconds limit);
  boost::asio::awaitable<ready_check> check_command(const run_context& ctx, std::chrono::milliseconds limit);
  void count(const char* check, bool passed) { ++d_.status.ready_checks[{check, passed ? "pass" : "fail"}]; }
  deps d_;
  std::optional<outcome<config::ready_url>> url_; ///< --ready-http, parsed when the phase starts
};

} // namespace hookd::agent
