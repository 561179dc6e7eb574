#pragma once
// SPDX-License-Identifier: Apache-2.0
// What the parts of the agent bench share: the emulator over TLS with its scenarios, hookd's
// command line, and the printing of min / median / max beside a target. The parts:
// agent_action.cpp (one action of a fresh hookd, metadata actions, a crowded queue),
// agent_floor.cpp (hookd above the floor of spawning the same script, TLS handshakes per action),
// agent_idle.cpp (idle CPU per hour and RSS). They print figures; they assert nothing.
#include "hookd/core/time.hpp"
#include "hookd/emulator/emulator.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/proc/command.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::bench {

namespace fs = std::filesystem;

/// Five runs of everything: one sample hides noise and regressions alike.
inline constexpr int runs = 5;

struct bench_env {
  boost::asio::io_context ioc{1};
  fs::path dir;
  emulator::pki_files pki;
  std::unique_ptr<emulator::server> emu;
  std::string ca_env; ///< how hookd finds its CAs: AWS_CA_BUNDLE=... or SSL_CERT_DIR=...

  bench_env();
  ~bench_env();

  /// A queue, a group of `self` and `foreign` others, and a terminate hook "drain" on the queue.
  void scenario(const std::string& name, int foreign, const std::string& self = "i-self");
  /// The hookd under test (HOOKD_BENCH_BINARY, else this build's) on `queue`'s scenario.
  proc::command hookd(const std::string& queue, const std::string& script, int wait, bool once);
  /// Adds a metadata listener for `instance` and points `c` at it with `--trigger trigger`.
  void use_imds(proc::command& c, const std::string& instance, const std::string& trigger, const std::string& poll = {});
  /// Runs `aw` on the loop to its end (two minutes at most).
  template <class T>
  T run(boost::asio::awaitable<T> aw);
  /// Lets the loop (the emulator, hookds started with start()) run for `d`.
  void pause(std::chrono::milliseconds d);
  /// Starts `c` beside the loop; the flag turns true when it has exited. Shared, so a run left
  /// behind by a failed part never writes into a frame that is gone.
  std::shared_ptr<const bool> start(const proc::command& c);
};

/// The hookd under test: HOOKD_BENCH_BINARY (make bench sets it to the static one), else this build's.
std::string hookd_binary();
/// A stamp script's times (ns since the epoch), written beside it as <path>.start and <path>.end.
long long read_ns(const fs::path& p);
long long ns_since_epoch(sys_time t);
/// The wall-clock time of a steady-clock reading of this process (the emulator's `received`).
sys_time to_sys(std::chrono::steady_clock::time_point t);
/// Nanoseconds `pid` has run on a CPU (the first field of /proc/PID/schedstat); -1 if unreadable.
long long cpu_ns(pid_t pid);
/// Resident set of `pid` (VmRSS), KiB; -1 if unreadable.
long rss_kib(pid_t pid);
/// The pid in `state_dir`/hookd.lock, once hookd has written it; 0 when it has not.
pid_t hookd_pid(const fs::path& state_dir);

/// HOOKD_BENCH_LOG=debug (or info) shows hookd's own log lines on stderr, for a timeline.
void print_log(std::string_view, std::string_view line, bool);
void row(const std::string& what, const std::string& value, const std::string& target);
/// "min / median / max unit".
std::string spread(std::vector<double> v, const char* unit = " ms", const char* format = "%.2f");
double median(std::vector<double> v);

void bench_actions(bench_env& b);
void bench_floor(bench_env& b);
void bench_idle(bench_env& b);

template <class T>
T bench_env::run(boost::asio::awaitable<T> aw) {
  // Shared with the handler, which outlives this call when the run does not end in time.
  auto out = std::make_shared<std::optional<T>>();
  boost::asio::co_spawn(ioc, std::move(aw), [out, this](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    *out = std::move(v);
    ioc.stop();
  });
  ioc.restart();
  ioc.run_for(std::chrono::minutes(2));
  if (!*out) throw std::runtime_error("bench: a run did not end within two minutes");
  return std::move(**out);
}

} // namespace hookd::bench
