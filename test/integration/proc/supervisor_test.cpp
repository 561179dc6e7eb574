// SPDX-License-Identifier: Apache-2.0
// The supervisor against real /bin/sh scripts. Intervals are milliseconds; nothing asserts on
// speed, deadlines only bound hangs.
#include "hookd/proc/supervisor.hpp"
#include "support/proc_info.hpp"
#include "support/run_awaitable.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace hookd;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

// The kernel's sigaction, to set dispositions glibc will not touch (its reserved signals 32/33).
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};
kernel_sigaction raw_sigaction(int sig, void (*handler)(int)) {
  kernel_sigaction old{}, next{handler, 0, nullptr, 0};
  ::syscall(SYS_rt_sigaction, sig, &next, &old, sizeof next.mask);
  return old;
}

class supervisor : public testing::Test {
protected:
  fs::path dir = fs::path(testing::TempDir()) / ("hookd-sup-" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }

  std::string script(const std::string& name, const std::string& body, mode_t mode = 0755) {
    const auto p = (dir / name).string();
    std::ofstream(p) << body;
    ::chmod(p.c_str(), mode);
    return p;
  }

  static proc::command cmd(std::string path, std::vector<std::string> args = {}) {
    proc::command c;
    c.path = std::move(path);
    c.args = std::move(args);
    c.env = {"PATH=/usr/bin:/bin", "HOOKD_TEST=1"};
    return c;
  }

  static proc::limits quick() {
    proc::limits l;
    l.grace = 200ms;
    l.drain = 100ms;
    return l;
  }

  static proc::run_result run(proc::command c, proc::limits l = quick(), proc::line_sink sink = {}) {
    return test::run_awaitable(proc::run(std::move(c), l, std::move(sink)), 60s);
  }
};

TEST_F(supervisor, exit_zero_with_output_in_order_and_arguments) {
  std::vector<std::string> seen;
  auto r = run(cmd(script("ok.sh", "#!/bin/sh\necho \"args: $1 $2\"\necho err >&2\nprintf 'no newline'\n"), {"terminate", "i-123"}),
               quick(), [&](std::string_view stream, std::string_view line, bool) {
                 seen.push_back(std::string(stream) + ":" + std::string(line));
               });
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.describe(), "exit 0");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NE(std::find(seen.begin(), seen.end(), "stdout:args: terminate i-123"), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "stderr:err"), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "stdout:no newline"), seen.end()) << "partial last line flushed";
  EXPECT_EQ(r.lines, 3u);
  EXPECT_EQ(r.stderr_bytes, 4u);
  EXPECT_EQ(r.tail.size(), 3u);
}

TEST_F(supervisor, nonzero_exit_is_a_failure) {
  auto r = run(cmd(script("three.sh", "#!/bin/sh\nexit 3\n")));
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.describe(), "exit 3");
}

TEST_F(supervisor, killed_by_a_signal) {
  auto r = run(cmd(script("segv.sh", "#!/bin/sh\nkill -SEGV $$\nsleep 5\n")));
  EXPECT_FALSE(r.succeeded());
  EXPECT_FALSE(r.exit_code);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.describe(), "killed by SIGSEGV");
}

TEST_F(supervisor, time_limit_sends_sigterm_to_the_group) {
  auto l = quick();
  l.time_limit = 100ms;
  auto r = run(cmd(script("slow.sh", "#!/bin/sh\nsleep 30\n")), l);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.killed_after_grace);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_FALSE(r.succeeded());
}

TEST_F(supervisor, a_script_ignoring_sigterm_gets_sigkill_after_the_grace) {
  auto l = quick();
  l.time_limit = 100ms;
  auto r = run(cmd(script("stubborn.sh", "#!/bin/sh\ntrap '' TERM\necho ready\nwhile :; do sleep 0.05; done\n")), l);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.killed_after_grace);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_NE(r.describe().find("SIGKILL"), std::string::npos);
}

TEST_F(supervisor, background_grandchild_holding_stdout_does_not_keep_hookd_waiting) {
  const auto pidfile = (dir / "grandchild.pid").string();
  const auto started = std::chrono::steady_clock::now();
  auto r = run(cmd(script("bg.sh", "#!/bin/sh\nsleep 3600 &\necho $! > " + pidfile + "\necho done\nexit 0\n")));
  EXPECT_TRUE(r.succeeded()) << r.describe();
  // A bound on hanging, not a speed assertion: without the drain rule this would take an hour.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  pid_t grandchild = 0;
  std::ifstream(pidfile) >> grandchild;
  ASSERT_GT(grandchild, 0);
  // It was SIGKILLed with the group; allow the kernel a moment to finish tearing it down.
  for (int i = 0; i < 100 && !test::process_gone(grandchild); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(test::process_gone(grandchild));
}

TEST_F(supervisor, missing_and_non_executable_scripts_are_clear_errors) {
  auto missing = run(cmd((dir / "nope.sh").string()));
  EXPECT_FALSE(missing.succeeded());
  EXPECT_NE(missing.spawn_error.find("not found"), std::string::npos) << missing.spawn_error;
  EXPECT_NE(missing.describe().find("not started"), std::string::npos);

  auto noexec = run(cmd(script("noexec.sh", "#!/bin/sh\necho hi\n", 0644)));
  EXPECT_FALSE(noexec.succeeded());
  EXPECT_NE(noexec.spawn_error.find("not executable"), std::string::npos) << noexec.spawn_error;
  EXPECT_NE(noexec.spawn_error.find("chmod +x"), std::string::npos);
}

TEST_F(supervisor, a_script_without_shebang_runs_with_bin_sh) {
  std::vector<std::string> out;
  auto r = run(cmd(script("plain.sh", "echo \"from sh: $1\"\n"), {"x"}), quick(),
               [&](std::string_view, std::string_view line, bool) { out.emplace_back(line); });
  EXPECT_TRUE(r.succeeded()) << r.describe();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "from sh: x");
}

TEST_F(supervisor, the_child_gets_only_the_given_environment_no_descriptors_and_default_signals) {
  // hookd ignores SIGPIPE (so a closed log pipe cannot kill it); the script must not inherit that.
  auto old = std::signal(SIGPIPE, SIG_IGN);
  // Some launchers (CI runners, nohup-style wrappers) leave even glibc's reserved signals ignored.
  const auto old32 = raw_sigaction(32, SIG_IGN), old33 = raw_sigaction(33, SIG_IGN);
  // A descriptor opened without O_CLOEXEC (as a library might): the child must still not get it.
  const auto marker = (dir / "leak-marker").string();
  std::ofstream(marker) << "x";
  const int leaked = ::open(marker.c_str(), O_RDONLY);
  ASSERT_GE(leaked, 0);
  const auto path = script("env.sh", "#!/bin/sh\necho \"HOME=${HOME-unset} T=$HOOKD_TEST\"\n"
                                    "for f in /proc/$$/fd/*; do readlink $f; done | grep -v -e '^pipe:' -e '^/dev/null$' -e 'env.sh$' | tr '\\n' ' '; echo\n"
                                    "read x; echo \"stdin=[${x-eof}]\"\n");
  std::vector<std::string> out;
  auto r = run(cmd(path), quick(), [&](std::string_view, std::string_view line, bool) { out.emplace_back(line); });
  // The signal state is read by a program the supervisor execs directly: a shell's own
  // /proc/$$/status shows the mask it blocks while it waits for a child, not what it inherited.
  std::vector<std::string> sig;
  auto g = run(cmd("/bin/grep", {"-E", "^Sig(Ign|Blk)", "/proc/self/status"}), quick(),
               [&](std::string_view, std::string_view line, bool) { sig.emplace_back(line); });
  std::signal(SIGPIPE, old);
  ::syscall(SYS_rt_sigaction, 32, &old32, nullptr, sizeof old32.mask);
  ::syscall(SYS_rt_sigaction, 33, &old33, nullptr, sizeof old33.mask);
  ::close(leaked);
  ASSERT_TRUE(r.succeeded()) << r.describe();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "HOME=unset T=1");
  EXPECT_EQ(out[1], "") << "the script holds only /dev/null, its two pipes and its own file";
  EXPECT_EQ(out[2], "stdin=[]");
  ASSERT_TRUE(g.succeeded()) << g.describe();
  ASSERT_EQ(sig.size(), 2u);
  EXPECT_EQ(sig[0], "SigBlk:\t0000000000000000");
#ifdef HOOKD_TEST_UNDER_QEMU
  // Under qemu-user the guest's signals 32 and 33 are not the host's (qemu keeps those, glibc's,
  // for itself), so what the child inherits there is qemu's, not ours: only the others count.
  const auto ignored = std::stoull(sig[1].substr(sig[1].find('\t') + 1), nullptr, 16) & ~0x180000000ULL;
  EXPECT_EQ(ignored, 0u) << sig[1];
#else
  EXPECT_EQ(sig[1], "SigIgn:\t0000000000000000");
#endif
}

TEST_F(supervisor, runs_as_another_user_and_reports_unknown_users) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  std::vector<std::string> out;
  auto c = cmd(script("id.sh", "#!/bin/sh\nid -u\npwd\n"));
  c.run_as = "nobody";
  c.working_dir = "/tmp";
  c.umask = 077;
  auto r = run(c, quick(), [&](std::string_view, std::string_view line, bool) { out.emplace_back(line); });
  ASSERT_TRUE(r.succeeded()) << r.describe();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "65534");
  EXPECT_EQ(out[1], "/tmp");

  c.run_as = "no-such-user-hookd";
  auto bad = run(c);
  EXPECT_NE(bad.spawn_error.find("'no-such-user-hookd' does not exist"), std::string::npos) << bad.spawn_error;
}

TEST_F(supervisor, cancellation_stops_the_script_and_still_returns) {
  net::io_context ioc{1};
  net::cancellation_signal stop;
  std::optional<proc::run_result> result;
  net::co_spawn(ioc, proc::run(cmd(script("long.sh", "#!/bin/sh\nsleep 30\n")), quick()),
                net::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr e, proc::run_result r) {
                  ASSERT_FALSE(e);
                  result = std::move(r);
                }));
  net::steady_timer t(ioc, 50ms);
  t.async_wait([&](auto) { stop.emit(net::cancellation_type::total); });
  ioc.run_for(30s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->cancelled);
  EXPECT_FALSE(result->succeeded());
  EXPECT_EQ(result->signal, SIGTERM);
  EXPECT_EQ(test::zombie_children(), 0);
}

TEST_F(supervisor, flood_of_200mb_keeps_memory_flat_and_the_loop_responsive) {
  const long rss_before = test::rss_kib();
  net::io_context ioc{1};
  // A heartbeat-like timer on the same loop: it must keep firing while the script floods.
  int ticks = 0;
  std::chrono::steady_clock::duration worst_gap{0};
  bool done = false;
  std::function<void()> tick;
  net::steady_timer hb(ioc);
  auto last = std::chrono::steady_clock::now();
  tick = [&] {
    hb.expires_after(5ms);
    hb.async_wait([&](boost::system::error_code ec) {
      if (ec || done) return;
      const auto now = std::chrono::steady_clock::now();
      worst_gap = std::max(worst_gap, now - last);
      last = now;
      ++ticks;
      tick();
    });
  };
  tick();
  std::uint64_t lines_seen = 0;
  auto r = test::run_awaitable(
      ioc,
      [&]() -> net::awaitable<proc::run_result> {
        auto res = co_await proc::run(
            cmd(script("flood.sh", "#!/bin/sh\nyes 'hookd log line padding padding padding padding padding padding' | head -c 200000000\n")),
            quick(), [&](std::string_view, std::string_view, bool) { ++lines_seen; });
        done = true;
        hb.cancel();
        co_return res;
      }(),
      240s);
  ASSERT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.stdout_bytes, 200000000u);
  EXPECT_EQ(lines_seen, r.lines);
  EXPECT_GT(r.lines, 3000000u);
  EXPECT_GT(ticks, 0);
  // Liveness, not speed: the loop was never blocked for the whole run (a blocking reader would show one giant gap).
  EXPECT_LT(worst_gap, 2s);
  const long rss_after = test::rss_kib();
  EXPECT_LT(rss_after - rss_before, 16 * 1024) << "RSS grew from " << rss_before << " KiB to " << rss_after << " KiB";
}

TEST_F(supervisor, a_50mb_line_without_newline_is_cut_not_buffered) {
  const long rss_before = test::rss_kib();
  std::vector<std::pair<std::size_t, bool>> lines;
  auto r = run(cmd(script("giant.sh", "#!/bin/sh\nhead -c 50000000 /dev/zero | tr '\\0' x\n")), quick(),
               [&](std::string_view, std::string_view line, bool truncated) { lines.emplace_back(line.size(), truncated); });
  ASSERT_TRUE(r.succeeded()) << r.describe();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].first, quick().max_line);
  EXPECT_TRUE(lines[0].second);
  EXPECT_EQ(r.truncated_lines, 1u);
  EXPECT_EQ(r.stdout_bytes, 50000000u);
  EXPECT_LT(test::rss_kib() - rss_before, 16 * 1024);
}

TEST_F(supervisor, fifty_scripts_in_a_row_leak_no_descriptors_and_leave_no_zombies) {
  const auto s = script("true.sh", "#!/bin/sh\necho $$\n");
  const int fds_before = test::open_fd_count();
  for (int i = 0; i < 50; ++i) {
    auto r = run(cmd(s));
    ASSERT_TRUE(r.succeeded()) << i << ": " << r.describe();
  }
  EXPECT_EQ(test::open_fd_count(), fds_before);
  EXPECT_EQ(test::zombie_children(), 0);
}

} // namespace
