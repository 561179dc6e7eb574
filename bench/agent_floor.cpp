// SPDX-License-Identifier: Apache-2.0
// hookd's own time on an action, against the floor: the same script, spawned the same way by a
// bare program. One hookd runs the whole time (as on an instance), and the group is scaled in
// again and again; each action's receive -> complete, less the script and AWS's own time, is set
// beside a durable journal write and a bare fork/exec of the same script measured just before it
// (a run is the median of three actions). Also the TLS handshakes each action costs (the emulator
// counts them), the journal's fdatasync, which stays, and hookd's CPU per action.
#include "agent_bench.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hookd::bench {
using namespace std::chrono_literals;

namespace {

long long wall_ns() { return ns_since_epoch(std::chrono::system_clock::now()); }

// Reads both pipes to EOF, as the supervisor's two readers do, then reaps the child.
void drain_and_reap(pid_t pid, int out, int err) {
  pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  char buf[65536];
  for (int open = 2; open > 0;) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (auto& f : fds) {
      if (f.fd < 0 || !f.revents) continue;
      if (::read(f.fd, buf, sizeof buf) <= 0) {
        ::close(f.fd);
        f.fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// The floor: `script` started as hookd's supervisor starts it (proc/child.cpp: pipes, fork, a
// session of its own, default signals, stdin from /dev/null, stdout and stderr on the pipes,
// execve), its output read to EOF and the child reaped. No Asio, no journal, no AWS. Returns the
// time outside the script: fork -> its first instruction, plus its exit -> reaped (ms).
double spawn_floor_ms(const std::string& script, const std::string& stamp) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return -1;
  char* argv[] = {const_cast<char*>(script.c_str()), nullptr};
  char* envp[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  const long long forked = wall_ns();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execve(script.c_str(), argv, envp);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  drain_and_reap(pid, out[0], err[0]);
  const long long reaped = wall_ns();
  return ((read_ns(stamp + ".start") - forked) + (reaped - read_ns(stamp + ".end"))) / 1e6;
}

// The safety wait a correct agent pays before any script: its journal entry made durable. As
// hookd's journal does (journal::fill_spare), a page is written over a file made durable
// beforehand and fdatasync'ed (ms).
double journal_write_ms(const fs::path& dir) {
  const auto path = dir / "floor-journal";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const std::string page(4096, 'x');
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = ::pwrite(fd, page.data(), page.size(), 0) == static_cast<ssize_t>(page.size()) && ::fdatasync(fd) == 0;
  const auto t1 = std::chrono::steady_clock::now();
  ::close(fd);
  return ok ? std::chrono::duration<double, std::milli>(t1 - t0).count() : -1;
}

// The spare the journal fills: allocated and durable before any action, as hookd's is.
void prepare_journal_probe(const fs::path& dir) {
  fs::create_directories(dir);
  journal_write_ms(dir);
}

// AWS's own time inside [from, to] (ns): each call's received -> answered at the emulator, where
// calls overlap counted once. What is left is hookd's: its work, its TLS, its waits on itself.
double aws_wait_ms(const std::vector<emulator::recorded_call>& calls, long long from, long long to) {
  std::vector<std::pair<long long, long long>> spans;
  for (const auto& c : calls) {
    const long long a = std::max(from, ns_since_epoch(to_sys(c.received))), z = std::min(to, ns_since_epoch(c.answered));
    if (c.operation != "ReceiveMessage" && a < z) spans.emplace_back(a, z);
  }
  std::sort(spans.begin(), spans.end());
  long long total = 0, reach = from;
  for (const auto& [a, z] : spans) {
    if (z <= reach) continue;
    total += z - std::max(a, reach);
    reach = z;
  }
  return total / 1e6;
}

struct floor_figures {
  std::vector<double> floor, journal, hookd, above, aws, cpu, full_handshakes, resumed;
  double first_full = -1;
};

// Waits (running the loop) until `done`, or 20 s.
template <class Pred>
bool wait_for(bench_env& b, Pred done) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    b.pause(2ms);
  }
  return true;
}

// One scale-in of the long-running hookd: from the receive that brought the message to the
// completion on the wire, less the script (its stamps) and AWS's time. False if it did not end.
bool one_action(bench_env& b, pid_t pid, const std::string& stamp, floor_figures& f, bool first) {
  const auto calls0 = b.emu->calls().size();
  const auto cpu0 = cpu_ns(pid);
  const auto hs0 = b.emu->tls_handshakes();
  const auto token = b.emu->terminate_instance("floor", "i-self").at(0);
  if (!wait_for(b, [&] { return !b.emu->action(token)->active && b.emu->queue_depth("floor") == 0; })) return false;
  b.pause(200ms); // the deletes and the next long poll go out
  const auto hs1 = b.emu->tls_handshakes();
  const auto cpu1 = cpu_ns(pid);
  const auto all = b.emu->calls();
  const std::vector<emulator::recorded_call> mine(all.begin() + static_cast<long>(calls0), all.end());
  auto find = [&](auto pred) { return std::find_if(mine.begin(), mine.end(), pred); };
  const auto rec = find([](const auto& c) { return c.operation == "ReceiveMessage" && c.messages > 0; });
  const auto done = find([](const auto& c) { return c.operation == "CompleteLifecycleAction"; });
  if (rec == mine.end() || done == mine.end()) return false;
  const long long received = ns_since_epoch(rec->answered), start = read_ns(stamp + ".start"), end = read_ns(stamp + ".end"),
                  complete = ns_since_epoch(to_sys(done->received));
  const double aws = aws_wait_ms(mine, received, start) + aws_wait_ms(mine, end, complete);
  const double hookd = ((start - received) + (complete - end)) / 1e6 - aws;
  const auto full = static_cast<double>(hs1.full - hs0.full);
  if (first) {
    f.first_full = full;
    return true;
  }
  f.hookd.push_back(hookd);
  f.aws.push_back(aws);
  f.cpu.push_back(static_cast<double>(cpu1 - cpu0) / 1e6);
  f.full_handshakes.push_back(full);
  f.resumed.push_back(static_cast<double>(hs1.resumed - hs0.resumed));
  return true;
}

// Each run is the median of its actions (the worst, for handshakes): on a machine shared with
// builds, one action's wall time swings by milliseconds either way.
constexpr int actions_per_run = 3;

std::vector<double> fold(const std::vector<double>& v, bool worst = false) {
  std::vector<double> out;
  for (std::size_t i = 0; i + actions_per_run <= v.size(); i += actions_per_run) {
    std::vector<double> run(v.begin() + static_cast<long>(i), v.begin() + static_cast<long>(i + actions_per_run));
    out.push_back(worst ? *std::max_element(run.begin(), run.end()) : median(run));
  }
  return out;
}

floor_figures per_run(const floor_figures& f) {
  floor_figures r;
  r.floor = fold(f.floor), r.journal = fold(f.journal), r.hookd = fold(f.hookd), r.above = fold(f.above);
  r.aws = fold(f.aws), r.cpu = fold(f.cpu), r.resumed = fold(f.resumed, true);
  r.full_handshakes = fold(f.full_handshakes, true);
  r.first_full = f.first_full;
  return r;
}

// The TCP connections `pid` holds open (its socket descriptors).
int sockets_of(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
    if (fs::read_symlink(e.path(), ec).string().starts_with("socket:")) ++n;
  return n;
}

void print(const floor_figures& f, int sockets) {
  row("floor: journal write, then fork/exec of the script", spread(f.floor), "none: the floor");
  row("  of it, the journal's fdatasync (kept: safety)", spread(f.journal), "none: its cost");
  row("hookd receive -> complete, less script and AWS", spread(f.hookd), "none: floor + at most 1 ms");
  row("hookd above the floor", spread(f.above), "median <= 1 ms");
  row("  AWS's own time taken out (emulator)", spread(f.aws), "none: taken out");
  row("  CPU of hookd per action (schedstat)", spread(f.cpu), "none: where the time goes");
  row("full TLS handshakes, first action", f.first_full < 0 ? "no sample" : spread({f.first_full}, "", "%.0f"), "none");
  row("full TLS handshakes per action after the first", spread(f.full_handshakes, "", "%.0f"), "0");
  row("  resumed TLS handshakes per action after the first", spread(f.resumed, "", "%.0f"), "none: cheap ones");
  row("  connections hookd keeps open at idle", std::to_string(sockets), "none: idle CPU below includes them");
}

} // namespace

void bench_floor(bench_env& b) {
  b.scenario("floor", 0);
  // The script hookd runs and the floor spawns: a shell script that execs the stamp program, so
  // both pay the shell's start, as a real hook script does.
  const auto stamp = (b.dir / "stamp-floor").string(), script = (b.dir / "floor.sh").string();
  fs::copy_file(HOOKD_BENCH_STAMP, stamp);
  std::ofstream(script) << "#!/bin/sh\nexec " << stamp << "\n";
  ::chmod(script.c_str(), 0755);
  const auto exited = b.start(b.hookd("floor", script, 20, false));
  const auto state = b.dir / "state-floor";
  if (!wait_for(b, [&] { return hookd_pid(state) && !b.emu->calls("ReceiveMessage").empty(); })) {
    std::fprintf(stderr, "floor: hookd did not start polling\n");
    if (const pid_t pid = hookd_pid(state)) ::kill(pid, SIGKILL);
    return;
  }
  const pid_t pid = hookd_pid(state);
  const auto probe = b.dir / "floor-state";
  prepare_journal_probe(probe);
  floor_figures f;
  for (int i = 0; i <= runs * actions_per_run; ++i) {
    b.pause(300ms); // settled: the long poll is waiting again
    const double journal = journal_write_ms(probe);
    const double floor = journal + spawn_floor_ms(script, stamp);
    if (!one_action(b, pid, stamp, f, i == 0)) {
      std::fprintf(stderr, "floor: action %d did not complete\n", i);
    } else if (i > 0) {
      f.floor.push_back(floor);
      f.journal.push_back(journal);
      f.above.push_back(f.hookd.back() - floor);
    }
  }
  const int sockets = sockets_of(pid);
  ::kill(pid, SIGTERM);
  wait_for(b, [&] { return *exited; });
  print(per_run(f), sockets);
}

} // namespace hookd::bench
