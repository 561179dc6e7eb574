// SPDX-License-Identifier: Apache-2.0
#include "hookd/proc/supervisor.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/time.hpp"
#include "hookd/proc/child.hpp"
#include "hookd/proc/line_buffer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <array>
#include <csignal>
#include <cstring>
#include <sys/wait.h>

namespace hookd::proc {
namespace net = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

// State shared by the run() coroutine and its helpers (two pipe readers and the exit waiter),
// all on one single-threaded executor: plain members, no locks. Helpers report by setting a
// field and cancelling `wake`, which run() waits on between decisions.
struct run_state {
  run_state(const net::any_io_executor& ex, const limits& l, line_sink sink)
      : lim(l), sigchld(ex, SIGCHLD), wake(ex), out(ex), err(ex), on_line(std::move(sink)), tail(l.tail_lines) {}

  // Last resort if the io_context is torn down mid-run: never leave the group running or a zombie.
  ~run_state() {
    if (pid > 0 && !exited) {
      ::killpg(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  void notify() { wake.cancel(); }

  limits lim;
  pid_t pid = -1;
  net::signal_set sigchld; // created before fork, so no SIGCHLD can be missed (asio queues it)
  net::steady_timer wake;
  net::posix::stream_descriptor out, err;
  line_sink on_line;
  tail_buffer tail;

  int open_streams = 0;
  bool exited = false;
  int wait_status = 0;
  clock::time_point exit_time{};
  std::uint64_t stdout_bytes = 0, stderr_bytes = 0, lines = 0, truncated = 0;
};

net::awaitable<void> read_stream(std::shared_ptr<run_state> s, net::posix::stream_descriptor& d, const char* name,
                                 std::uint64_t& bytes) {
  const std::string prefix = std::string(name) + ": ";
  line_splitter splitter(s->lim.max_line, [&](std::string_view line, bool truncated) {
    if (truncated) ++s->truncated;
    if (s->on_line) s->on_line(name, line, truncated);
    s->tail.push(prefix, line);
  });
  std::array<char, 64 * 1024> buf; // lives in the coroutine frame; memory stays flat however much is written
  for (;;) {
    auto [ec, n] = co_await d.async_read_some(net::buffer(buf), nothrow);
    if (n > 0) {
      bytes += n;
      splitter.feed(std::string_view(buf.data(), n));
    }
    if (ec) break; // EOF, or the pipe closed by run() after the drain period
  }
  splitter.flush();
  s->lines += splitter.lines();
  --s->open_streams;
  s->notify();
}

// Reaps the child without pidfd: check waitpid(WNOHANG) first, then wait for a SIGCHLD, and check
// again (Boost.Process v2's signal path). A SIGCHLD that arrives before the wait is queued by
// the signal_set, so the loop cannot miss it.
net::awaitable<void> wait_exit(std::shared_ptr<run_state> s) {
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(s->pid, &status, WNOHANG);
    if (r == s->pid || (r < 0 && errno == ECHILD)) {
      s->exited = true;
      s->wait_status = r == s->pid ? status : 0;
      s->exit_time = clock::now();
      s->notify();
      co_return;
    }
    co_await s->sigchld.async_wait(nothrow);
  }
}

void start_helper(const net::any_io_executor& ex, net::awaitable<void> task) {
  // Helpers never throw (every await is nothrow); the handler still swallows a bug's exception
  // rather than terminate hookd, because run() must always return.
  net::co_spawn(ex, std::move(task), [](std::exception_ptr) {});
}

std::string signal_name(int sig) {
  switch (sig) {
  case SIGTERM: return "SIGTERM";
  case SIGKILL: return "SIGKILL";
  case SIGINT: return "SIGINT";
  case SIGHUP: return "SIGHUP";
  case SIGSEGV: return "SIGSEGV";
  case SIGABRT: return "SIGABRT";
  case SIGPIPE: return "SIGPIPE";
  default: return "signal " + std::to_string(sig);
  }
}

} // namespace

std::string run_result::describe() const {
  if (!spawn_error.empty()) return "not started: " + spawn_error;
  std::string out;
  if (exit_code) out = "exit " + std::to_string(*exit_code);
  else if (signal) out = "killed by " + signal_name(*signal);
  else out = "ended (status unknown)";
  if (timed_out) out += killed_after_grace ? ", time limit hit, SIGKILL after the grace period" : ", time limit hit";
  if (cancelled) out += killed_after_grace ? ", stopped by hookd shutdown (SIGKILL after grace)" : ", stopped by hookd shutdown";
  return out;
}

net::awaitable<run_result> run(command cmd, limits lim, line_sink on_line) {
  // Total cancellation reaches this coroutine as a flag to act on, not as an exception: stopping
  // the script and reaping it must still happen after a cancel.
  co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
  co_await net::this_coro::throw_if_cancelled(false);

  const auto ex = co_await net::this_coro::executor;
  auto s = std::make_shared<run_state>(ex, lim, std::move(on_line));
  run_result result;
  const auto start = clock::now();

  auto spawned = spawn(cmd);
  if (!spawned) {
    result.spawn_error = spawned.error().message();
    co_return result;
  }
  s->pid = spawned->pid;
  if (lim.on_spawn) lim.on_spawn(spawned->pid);
  s->out.assign(spawned->out.release());
  s->err.assign(spawned->err.release());
  s->open_streams = 2;
  start_helper(ex, read_stream(s, s->out, "stdout", s->stdout_bytes));
  start_helper(ex, read_stream(s, s->err, "stderr", s->stderr_bytes));
  start_helper(ex, wait_exit(s));

  {
    // EOF on the status pipe means exec succeeded (the pipe is close-on-exec); a record means it did not.
    net::posix::stream_descriptor status(ex, spawned->status.release());
    exec_failure failure{};
    auto [ec, n] = co_await net::async_read(status, net::buffer(&failure, sizeof failure), nothrow);
    if (n == sizeof failure) result.spawn_error = describe_exec_failure(cmd, failure);
  }

  enum class phase { running, terminating, killed, draining, closing };
  phase ph = phase::running;
  auto deadline = lim.time_limit.count() > 0 ? start + lim.time_limit : clock::time_point::max();
  int cancels_seen = 0;

  auto terminate_group = [&](bool by_cancel) {
    if (by_cancel) result.cancelled = true;
    else result.timed_out = true;
    ::killpg(s->pid, SIGTERM);
    ph = phase::terminating;
    deadline = clock::now() + lim.grace;
  };
  auto kill_group = [&] {
    ::killpg(s->pid, SIGKILL);
    result.killed_after_grace = true;
    ph = phase::killed;
    deadline = clock::time_point::max();
  };

  for (;;) {
    if (s->exited && s->open_streams == 0) break;

    auto cs = co_await net::this_coro::cancellation_state;
    if (cs.cancelled() != net::cancellation_type::none) {
      ++cancels_seen;
      // Clear the flag so the waits below work again; a later cancellation is seen afresh.
      co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
      if (!s->exited) {
        if (ph == phase::running) terminate_group(true);
        else if (ph == phase::terminating && cancels_seen > 1) kill_group(); // a second stop request: no more grace
      }
    }

    if (s->exited && ph != phase::draining && ph != phase::closing) {
      ph = phase::draining;
      deadline = s->exit_time + lim.drain;
    }

    if (clock::now() >= deadline) {
      switch (ph) {
      case phase::running: terminate_group(false); break;
      case phase::terminating: kill_group(); break;
      case phase::draining:
        // The script is gone but something of its group still holds the pipes: stop waiting.
        ::killpg(s->pid, SIGKILL);
        s->out.close();
        s->err.close();
        ph = phase::closing;
        deadline = clock::time_point::max();
        break;
      case phase::killed:
      case phase::closing: deadline = clock::time_point::max(); break;
      }
      continue;
    }
    s->wake.expires_at(deadline);
    co_await s->wake.async_wait(nothrow);
  }

  // Whatever of the script's process group is still alive (background jobs that let go of the
  // pipes) goes with it: nothing the script started may outlive the action.
  ::killpg(s->pid, SIGKILL);
  s->sigchld.cancel();

  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(s->exit_time - start);
  if (WIFEXITED(s->wait_status)) result.exit_code = WEXITSTATUS(s->wait_status);
  else if (WIFSIGNALED(s->wait_status)) result.signal = WTERMSIG(s->wait_status);
  if (!result.spawn_error.empty()) result.exit_code.reset();
  result.stdout_bytes = s->stdout_bytes;
  result.stderr_bytes = s->stderr_bytes;
  result.lines = s->lines;
  result.truncated_lines = s->truncated;
  result.tail = s->tail.lines();
  s->pid = -1;
  co_return result;
}

} // namespace hookd::proc
