#pragma once
// SPDX-License-Identifier: Apache-2.0
// The pipeline's script phase: runs the transition's script (fetched beside the confirmation)
// under the supervisor, records its process group in the journal the moment it is spawned (so a
// hookd restarted after a SIGKILL ends it before running the action again), cuts its time limit
// to end before a Spot interruption, and turns its exit into the run's result.
#include "hookd/agent/events.hpp"
#include "hookd/agent/journal.hpp"
#include "hookd/agent/options.hpp"
#include "hookd/agent/pipeline.hpp"
#include "hookd/core/env.hpp"
#include "hookd/core/log.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <functional>

namespace hookd::agent {

class script_phase final : public phase {
public:
  struct deps {
    boost::asio::any_io_executor ex;
    const options& s;
    const std::string& region;
    const env_lookup& env;
    journal& j;
    logger& log;
    boost::asio::cancellation_slot stop; ///< hookd's shutdown: the script is stopped the supervisor's way
    std::function<void()> spawned;       ///< the script's exec is under way (the runner's exec gate opens)
    /// Tells the outside of a step (script started or finished, a failure): never blocks.
    std::function<void(event_kind, std::string detail, std::optional<std::chrono::milliseconds> took)> tell;
  };
  explicit script_phase(deps d) : d_(std::move(d)) {}
  std::string_view name() const override { return "script"; }
  boost::asio::awaitable<bool> run(run_context& ctx) override;

private:
  /// The journal entry again, now with the script's process group, start time and boot.
  void record_spawn(const run_context& ctx, pid_t pid);
  void tell(event_kind k, std::string detail, std::optional<std::chrono::milliseconds> took) const {
    if (d_.tell) d_.tell(k, std::move(detail), took);
  }
  deps d_;
};

} // namespace hookd::agent
