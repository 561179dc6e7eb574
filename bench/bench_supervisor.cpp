// SPDX-License-Identifier: Apache-2.0
// Overhead of starting and supervising a script: spawn-to-reap latency of /bin/true through
// proc::run (fork/exec, pipes, SIGCHLD reaping, drain), against a bare fork/exec/waitpid.
#include "hookd/proc/supervisor.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <sys/wait.h>
#include <unistd.h>

namespace net = boost::asio;

static void supervise_bin_true(benchmark::State& state) {
  net::io_context ioc{1};
  hookd::proc::command cmd;
  cmd.path = "/bin/true";
  cmd.env = {"PATH=/usr/bin:/bin"};
  for (auto _ : state) {
    bool ok = false;
    net::co_spawn(ioc, hookd::proc::run(cmd, {}), [&](std::exception_ptr, hookd::proc::run_result r) { ok = r.succeeded(); });
    ioc.restart();
    ioc.run();
    if (!ok) state.SkipWithError("/bin/true did not succeed");
  }
  state.counters["runs/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

static void bare_fork_exec_wait(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/true", "/bin/true", nullptr);
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  state.counters["runs/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(supervise_bin_true)->Unit(benchmark::kMicrosecond);
BENCHMARK(bare_fork_exec_wait)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
