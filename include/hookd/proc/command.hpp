#pragma once
// SPDX-License-Identifier: Apache-2.0
// What to run and under which limits: plain data, filled by the agent (or a test), read by the
// supervisor.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace hookd::proc {

struct command {
  std::string path;               ///< the script; run with /bin/sh when it has no `#!` line
  std::vector<std::string> args;  ///< argv[1..]; argv[0] is `path`
  std::vector<std::string> env;   ///< the complete environment, "NAME=value" (nothing is inherited)
  std::string working_dir;        ///< empty: "/"
  std::optional<mode_t> umask;    ///< empty: inherit hookd's
  std::string run_as;             ///< user name (or "user:group"); empty: hookd's own user
};

struct limits {
  /// Zero: no limit. On expiry the whole process group gets SIGTERM, then SIGKILL after `grace`.
  std::chrono::milliseconds time_limit{0};
  std::chrono::milliseconds grace{std::chrono::seconds(10)};
  /// After the script has exited, how long its pipes may stay open (a background job holding
  /// stdout) before the rest of its process group is killed and the pipes closed.
  std::chrono::milliseconds drain{std::chrono::milliseconds(500)};
  std::size_t max_line = 4096;  ///< longer lines are cut (and counted) at this many bytes
  std::size_t tail_lines = 20;  ///< kept for the final report
  /// Called with the child's pid (its process group) as soon as it is forked.
  std::function<void(pid_t)> on_spawn;
};

/// Receives every output line as it arrives; `stream` is "stdout" or "stderr".
using line_sink = std::function<void(std::string_view stream, std::string_view line, bool truncated)>;

} // namespace hookd::proc
