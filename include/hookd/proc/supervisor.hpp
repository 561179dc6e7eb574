#pragma once
// SPDX-License-Identifier: Apache-2.0
// Runs one command to the end on the caller's io_context: captures both output streams line by
// line, enforces the time limit (SIGTERM to the process group, SIGKILL after the grace period),
// reaps the child without pidfd (SIGCHLD + waitpid(WNOHANG), kernels from 4.14), and reports how
// it ended. Never blocks the loop, never throws for a script's misbehaviour.
#include "hookd/proc/command.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookd::proc {

struct run_result {
  std::optional<int> exit_code;  ///< set when the script exited
  std::optional<int> signal;     ///< set when a signal killed it
  bool timed_out = false;        ///< the time limit fired
  bool cancelled = false;        ///< the caller cancelled the run (hookd shutting down)
  bool killed_after_grace = false; ///< SIGTERM was not enough: SIGKILL was sent
  std::string spawn_error;       ///< the script never started (not found, not executable, ...)
  std::chrono::milliseconds duration{0};
  std::uint64_t stdout_bytes = 0, stderr_bytes = 0;
  std::uint64_t lines = 0;       ///< lines over both streams
  std::uint64_t truncated_lines = 0;
  std::vector<std::string> tail; ///< the last lines, "stdout: ..." / "stderr: ..."

  /// Exit status 0, within the time limit, not cancelled.
  bool succeeded() const noexcept { return exit_code == 0 && !timed_out && !cancelled && spawn_error.empty(); }
  /// "exit 0", "exit 3", "killed by SIGKILL after the 30s time limit", "not started: ...".
  std::string describe() const;
};

/// Runs `cmd`. Must be awaited on a single-threaded io_context (the one hookd runs on).
///
/// Cancellation: a total or terminal cancellation of the awaiting coroutine stops the script the
/// same way the time limit does (SIGTERM to the group, SIGKILL after `lim.grace`), waits for it to
/// be reaped, and returns with `cancelled` set. The function itself never throws on cancellation,
/// so it is safe on either side of `||`.
///
/// `on_line` (optional) gets every output line as it arrives.
boost::asio::awaitable<run_result> run(command cmd, limits lim, line_sink on_line = {});

} // namespace hookd::proc
