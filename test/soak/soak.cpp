// SPDX-License-Identifier: Apache-2.0
// `make soak`: the real hookd against the emulator for a set time with everything going wrong at
// once (AWS errors, throttling, dropped connections, delays, clock jumps, credentials that expire
// every minute, hostile and oversized messages, floods of forged ones and tokens in hookd's own key
// formats, 403s, files planted in the metrics directory, SIGKILL and SIGTERM and a restart at random
// moments), then an invariant check on the emulator's record and the script's. Exits 1 on any violation.
#include "hookd/core/env.hpp"
#include "hookd/emulator/emulator.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/proc/supervisor.hpp"
#include "support/harness.hpp"
#include "hostile.hpp"

#include <algorithm>
#include <climits>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sys/stat.h>

namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace hookd;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* group = "soak";
constexpr const char* self = "i-soak0000000000";

using test::pause;

long fd_count(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec); !ec && it != fs::directory_iterator(); ++it) ++n;
  return ec ? -1 : n;
}

struct figures {
  int own_actions = 0, foreign = 0, hostile = 0, faults = 0, kills = 0, clock_jumps = 0, terms = 0, planted = 0;
  std::vector<std::string> violations;
  std::vector<std::pair<long, long>> samples; ///< RSS KiB, descriptors, of the current hookd
  /// hookd's log lines and the soak's own events, each stamped with the soak's elapsed time:
  /// written out when a violation is found, so a failure on CI can be read without a rerun.
  std::vector<std::string> timeline;
  std::vector<double> own_seconds;   ///< each own action, from the scale-in to its end
  std::vector<double> found_seconds; ///< each own action's message, from its sending to its first receipt
  std::pair<long, long> rss_floors{-1, -1}; ///< the last hookd's lowest RSS (KiB) in each half of its samples
};

class soak {
public:
  soak(net::io_context& ioc, emulator::server& emu, fs::path dir, std::string ca, std::chrono::seconds length)
      : ioc_(ioc), emu_(emu), dir_(std::move(dir)), ca_(std::move(ca)), length_(length) {}

  net::awaitable<figures> run() {
    set_up();
    const auto end = steady::now() + length_;
    net::co_spawn(ioc_, keep_hookd_running(), net::detached);
    while (steady::now() < end) {
      co_await pause(std::chrono::milliseconds(50 + rng_() % 250));
      co_await one_event();
      sample();
    }
    // Calm: no more faults or kills; what is owed must now be done.
    emu_.set_clock_skew(0s);
    const auto drain_until = steady::now() + 90s;
    while (steady::now() < drain_until && !all_own_done()) co_await pause(200ms);
    stop_ = true;
    if (auto pid = pid_of(); pid > 0) ::kill(pid, SIGTERM);
    while (running_) co_await pause(50ms);
    check();
    co_return f_;
  }

private:
  void set_up() {
    emu_.create_queue(group);
    std::vector<std::string> ids{self};
    for (int i = 0; i < 20; ++i) ids.push_back("i-peer" + std::to_string(1000 + i));
    emu_.create_group(group, ids);
    emulator::hook_spec h;
    h.group = group;
    h.name = "drain";
    h.queue = group;
    h.heartbeat_timeout = 120;
    emu_.put_hook(h);
    // Credentials from instance metadata that expire every minute: refreshed under fire.
    emu_.set_imds_identity(self, "soak-role", 60s);
    script_ = (dir_ / "script.sh").string();
    // Every run leaves its trigger and token: a forged token must never appear there.
    std::ofstream(script_) << "#!/bin/sh\necho \"$HOOKD_TRIGGER $HOOKD_ACTION_TOKEN\" >> " << (dir_ / "runs").string()
                           << "\nsleep 0.$(( $$ % 9 + 1 ))\necho done\n";
    ::chmod(script_.c_str(), 0755);
    fs::create_directories(dir_ / "metrics");
    ::chmod((dir_ / "metrics").c_str(), 0755);
    std::ofstream(dir_ / "victim") << "not hookd's";
    ::chmod((dir_ / "victim").c_str(), 0600);
  }

  proc::command command() const {
    proc::command c;
    const auto env = process_env();
    c.path = env("HOOKD_SOAK_BINARY").value_or(HOOKD_BINARY); // another build of hookd (static, older) under the same soak
    c.env = {"PATH=/usr/bin:/bin", "AWS_ENDPOINT_URL=" + emu_.url(), ca_, "AWS_EC2_METADATA_SERVICE_ENDPOINT=" + emu_.url(),
             "AWS_REGION=us-east-1", "HOOKD_CONFIG=/dev/null", "HOOKD_QUEUE_URL=" + emu_.queue_url(group),
             "HOOKD_STATE_DIR=" + (dir_ / "state").string(), "HOOKD_ON_TERMINATE=" + script_, "HOOKD_WAIT_TIME=2",
             "HOOKD_HEARTBEAT_INTERVAL=300ms", "HOOKD_ERROR_BACKOFF=200ms", "HOOKD_STARTUP_JITTER=0",
             "HOOKD_CONFIRM_WINDOW=2s", "HOOKD_LOG_LEVEL=" + env("HOOKD_SOAK_LOG_LEVEL").value_or("info"), "HOOKD_SHUTDOWN_GRACE=2s",
             "HOOKD_KILL_GRACE=1s", "HOOKD_METRICS_FILE=" + (dir_ / "metrics" / "hookd.prom").string()};
    return c;
  }

  pid_t pid_of() const { return test::hookd_pid((dir_ / "state").string()); }

  net::awaitable<void> keep_hookd_running() {
    while (!stop_) {
      running_ = true;
      f_.samples.clear(); // flat memory is judged within one incarnation
      note("hookd starts");
      auto r = co_await proc::run(command(), {}, [this](std::string_view, std::string_view line, bool) {
        if (std::getenv("HOOKD_SOAK_LOG")) std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
        note(line);
      });
      note("hookd ended: " + r.describe());
      running_ = false;
      if (!stop_ && r.exit_code != 0 && r.signal != SIGKILL)
        f_.violations.push_back("hookd exited on its own: " + r.describe());
    }
  }

  net::awaitable<void> one_event() {
    const auto pick = rng_() % 100;
    const int own_pending = own_pending_(); // every time: it also times the own actions that ended
    // The soak terminates one instance again and again, which Auto Scaling never does: a run by
    // instance id still completing (retrying "no active action" until the group shows the
    // instance past the wait) would take the next termination for its own. So the next one comes
    // only once the last has been over for longer than that retry's longest pause.
    if (own_pending > 0) last_own_over_ = steady::now();
    if (pick < 10 && own_pending == 0 && steady::now() - last_own_over_ > 6s) {
      tokens_.push_back(emu_.terminate_instance(group, self).at(0));
      ++f_.own_actions;
      created_[tokens_.back()] = steady::now();
      note("own action " + tokens_.back());
    } else if (pick < 35) {
      emu_.terminate_instance(group, "i-peer" + std::to_string(1000 + rng_() % 20));
      ++f_.foreign;
    } else if (pick < 50) {
      send_hostile();
    } else if (pick < 75) {
      inject_fault();
    } else if (pick < 80) {
      const auto skew = static_cast<int>(rng_() % 1200) - 600;
      emu_.set_clock_skew(std::chrono::seconds(skew));
      ++f_.clock_jumps;
      note("clock skew " + std::to_string(skew) + " s");
    } else if (pick < 82) {
      if (auto pid = pid_of(); pid > 0 && running_) {
        ::kill(pid, SIGKILL);
        ++f_.kills;
        note("SIGKILL");
        co_await pause(100ms);
      }
    } else if (pick < 84) {
      if (const auto what = hostile::plant(rng_, dir_ / "metrics", "hookd.prom", dir_ / "victim"); !what.empty()) {
        ++f_.planted;
        note("planted a " + what + " in the metrics directory");
      }
    } else if (pick < 85) {
      co_await terminate();
    }
  }

  /// SIGTERM: hookd must answer at once (note() checks its "stopping" line), and end within its
  /// grace, the script's kill grace and a completion's retries.
  net::awaitable<void> terminate() {
    const auto pid = pid_of();
    if (pid <= 0 || !running_) co_return;
    ::kill(pid, SIGTERM);
    ++f_.terms;
    term_sent_ = steady::now();
    note("SIGTERM");
    const auto until = steady::now() + 30s;
    while (running_ && pid_of() == pid && steady::now() < until) co_await pause(50ms);
    if (running_ && pid_of() == pid) {
      f_.violations.push_back("hookd still running 30 s after SIGTERM");
      ::kill(pid, SIGKILL);
    }
  }

  int own_pending_() {
    int n = 0;
    for (const auto& t : tokens_)
      if (auto a = emu_.action(t); a && a->active) ++n;
      else if (auto it = created_.find(t); it != created_.end()) {
        f_.own_seconds.push_back(std::chrono::duration<double>(steady::now() - it->second).count());
        created_.erase(it);
      }
    return n;
  }

  void send_hostile() {
    for (const auto& body : hostile::hostile_bodies(rng_, group, self)) {
      ++f_.hostile;
      emu_.send_message(group, body);
    }
  }

  void inject_fault() {
    static const std::vector<std::string> ops{"ReceiveMessage", "ChangeMessageVisibilityBatch", "DeleteMessage",
                                              "CompleteLifecycleAction", "RecordLifecycleActionHeartbeat", "*"};
    emulator::fault f;
    f.operation = ops[rng_() % ops.size()];
    // An outage of a few seconds: faults for a call hookd rarely makes (completion) must not
    // queue up for minutes and fail it forever.
    f.until = steady::now() + std::chrono::milliseconds(500 + rng_() % 2500);
    f.count = 1 + static_cast<int>(rng_() % 3);
    switch (rng_() % 5) {
    case 0: f.status = 500, f.code = "InternalFailure", f.message = "soak"; break;
    case 1: f.status = 400, f.code = "Throttling", f.message = "Rate exceeded"; break;
    case 2: f.drop = true; break;
    case 3: // a policy being edited: says nothing about the action
      f.status = 403, f.code = "AccessDenied", f.message = "User is not authorized to perform: autoscaling:" + f.operation;
      break;
    default: f.delay = std::chrono::milliseconds(200 + rng_() % 1500);
    }
    emu_.add_fault(f);
    ++f_.faults;
    note("fault " + f.operation + ": " + (f.status ? f.code : f.drop ? "drop" : "delay " + std::to_string(f.delay.count()) + " ms") +
         " x" + std::to_string(f.count));
  }

  void sample() {
    if (auto pid = pid_of(); pid > 0 && running_) {
      const auto rss = test::proc_status_kib(pid, "VmRSS:");
      const auto fds = fd_count(pid);
      if (rss > 0 && fds > 0) f_.samples.emplace_back(rss, fds);
    }
  }

  bool all_own_done() { return own_pending_() == 0; }

  void note(std::string_view what) {
    if (term_sent_ && what.find(" stopping ") != std::string_view::npos) {
      const auto waited = steady::now() - *term_sent_;
      term_sent_.reset();
      if (waited > 1s) f_.violations.push_back("SIGTERM answered after " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()) + " ms");
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start_).count();
    char stamp[24];
    std::snprintf(stamp, sizeof stamp, "%8.3f ", static_cast<double>(ms) / 1000);
    f_.timeline.push_back(stamp + std::string(what));
  }

  void check() {
    std::map<std::string, int> completions;
    int by_instance = 0; // completions without a token (a run by instance id): each one is of the action live then
    for (const auto& c : emu_.calls("CompleteLifecycleAction"))
      if (c.status == 200 && c.params.contains("LifecycleActionToken"))
        ++completions[std::string(c.params.at("LifecycleActionToken").as_string())];
      else if (c.status == 200)
        ++by_instance;
    for (const auto& t : tokens_) {
      auto a = emu_.action(t);
      if (!a || a->active) f_.violations.push_back("own action " + t + " never completed");
      else if (a->timed_out) f_.violations.push_back("own action " + t + " timed out");
      else if (completions[t] > 1 || (completions[t] == 0 && by_instance-- <= 0))
        f_.violations.push_back("own action " + t + " completed " + std::to_string(completions[t]) + " times");
      else if (a->result != "CONTINUE") f_.violations.push_back("own action " + t + " completed with " + a->result);
    }
    for (const auto& h : emu_.message_histories(group)) {
      const bool own = std::any_of(tokens_.begin(), tokens_.end(), [&](const auto& t) { return h.body.find(t) != std::string::npos; });
      if (own && !h.events.empty()) f_.found_seconds.push_back(std::chrono::duration<double>(h.events.front().at - h.sent).count());
      if (!h.deleted) continue;
      const bool names_self = h.body.find(self) != std::string::npos;
      const bool test = h.body.find("TEST_NOTIFICATION") != std::string::npos;
      boost::system::error_code ec;
      boost::json::parse(h.body, ec);
      const bool parsed = !ec;
      if (!parsed) f_.violations.push_back("an unreadable message was deleted: " + h.id);
      else if (!names_self && !test) f_.violations.push_back("another instance's message was deleted: " + h.id);
    }
    check_runs_and_victim();
    if (f_.samples.size() >= 10) {
      // A leak raises the floor; a receive of ten 1 MiB hostile messages is a peak that passes
      // (bodies are capped at 31 MiB). So each half is judged by its lowest sample.
      const auto half = f_.samples.size() / 2;
      long rss_first = LONG_MAX, rss_last = LONG_MAX, fd_first = LONG_MAX, fd_last = LONG_MAX;
      for (std::size_t i = 0; i < f_.samples.size(); ++i) {
        auto& [rss, fds] = f_.samples[i];
        (i < half ? rss_first : rss_last) = std::min(i < half ? rss_first : rss_last, rss);
        (i < half ? fd_first : fd_last) = std::min(i < half ? fd_first : fd_last, fds);
      }
      f_.rss_floors = {rss_first, rss_last};
      if (rss_last > rss_first + 4096) f_.violations.push_back("RSS grew from " + std::to_string(rss_first) + " to " + std::to_string(rss_last) + " KiB");
      if (fd_last > fd_first + 8) f_.violations.push_back("descriptors grew from " + std::to_string(fd_first) + " to " + std::to_string(fd_last));
    }
  }

  /// The script's own record: only our actions' tokens ever ran it, each at least once, and more
  /// only where a SIGKILL or SIGTERM cut a run short (a resumed action runs again). And the file a
  /// planted symlink pointed to is as it was.
  void check_runs_and_victim() {
    std::map<std::string, int> ran;
    int by_group = 0; // a flood made hookd ask the group and run the termination by instance id
    std::ifstream in(dir_ / "runs");
    for (std::string l; std::getline(in, l);) {
      const auto space = l.find(' ');
      const auto trigger = l.substr(0, space), token = space == std::string::npos ? "" : l.substr(space + 1);
      if (trigger == "group" && token.empty()) ++by_group;
      else if (trigger != "queue" || std::find(tokens_.begin(), tokens_.end(), token) == tokens_.end())
        f_.violations.push_back("the script ran for what is no action of ours: " + l);
      else ++ran[token];
    }
    int uncovered = 0;
    std::string which;
    for (const auto& t : tokens_) {
      if (ran[t] == 0) ++uncovered, which += " " + t;
      if (ran[t] > 1 + f_.kills + f_.terms) f_.violations.push_back("own action " + t + " ran the script " + std::to_string(ran[t]) + " times");
    }
    if (uncovered > by_group)
      f_.violations.push_back(std::to_string(uncovered) + " own actions never ran the script (" + std::to_string(by_group) +
                              " runs by instance id):" + which);
    std::ifstream v(dir_ / "victim");
    const std::string victim((std::istreambuf_iterator<char>(v)), std::istreambuf_iterator<char>());
    struct stat st{};
    if (victim != "not hookd's" || ::stat((dir_ / "victim").c_str(), &st) != 0 || (st.st_mode & 0777) != 0600)
      f_.violations.push_back("the file a planted symlink pointed to was changed");
  }

  net::io_context& ioc_;
  emulator::server& emu_;
  fs::path dir_;
  std::string ca_, script_;
  std::chrono::seconds length_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::vector<std::string> tokens_;
  std::map<std::string, steady::time_point> created_; ///< own actions not yet seen ended
  bool stop_ = false, running_ = false;
  std::optional<steady::time_point> term_sent_; ///< a SIGTERM not answered yet
  steady::time_point last_own_over_{};          ///< when an own action was last seen pending
  steady::time_point start_ = steady::now();
  figures f_;
};

/// On a violation: the whole timeline into soak-timeline.log, and each violating action's own
/// lines to stdout (what CI keeps).
void write_timeline(const figures& f) {
  if (f.violations.empty()) return;
  std::ofstream out("soak-timeline.log");
  for (const auto& l : f.timeline) out << l << '\n';
  std::printf("  the whole timeline: %s\n", (fs::current_path() / "soak-timeline.log").c_str());
  for (const auto& v : f.violations) {
    if (!v.starts_with("own action ")) continue;
    const auto token = v.substr(11, v.find(' ', 11) - 11);
    std::printf("  lines naming %s, with hookd's starts and ends:\n", token.c_str());
    for (const auto& l : f.timeline)
      if (l.find(token) != std::string::npos || l.find(" hookd starts") != std::string::npos || l.find(" hookd ended") != std::string::npos)
        std::printf("    %s\n", l.c_str());
  }
}

} // namespace

int main(int argc, char** argv) {
  std::chrono::seconds length{600};
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--seconds") length = std::chrono::seconds(std::atoi(argv[++i]));
  net::io_context ioc{1};
  const auto dir = fs::temp_directory_path() / ("hookd-soak-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto tls = emulator::start_tls_emulator(ioc.get_executor(), (dir / "pki").string()).value();
  auto& emu = *tls.emu;
  soak s(ioc, emu, dir, tls.ca_env(), length);
  figures f;
  net::co_spawn(ioc, s.run(), [&](std::exception_ptr e, figures r) {
    if (e) std::rethrow_exception(e);
    f = std::move(r);
    ioc.stop();
  });
  ioc.run();
  emu.stop();
  fs::remove_all(dir);
  std::printf("soak: %lld s, own actions %d, foreign %d, hostile %d, faults %d, clock jumps %d, kills %d, SIGTERMs %d, "
              "planted files %d, violations %zu\n",
              static_cast<long long>(length.count()), f.own_actions, f.foreign, f.hostile, f.faults, f.clock_jumps,
              f.kills, f.terms, f.planted, f.violations.size());
  const auto spread = [](const char* what, std::vector<double> d) {
    if (d.empty()) return;
    std::sort(d.begin(), d.end());
    std::printf("  %s (s): min %.1f, median %.1f, max %.1f\n", what, d.front(), d[d.size() / 2], d.back());
  };
  spread("own action, scale-in to its end", f.own_seconds);
  spread("own message, sent to first received", f.found_seconds);
  if (f.rss_floors.first >= 0)
    std::printf("  the last hookd's lowest RSS: %ld KiB in the first half of its samples, %ld KiB in the second\n",
                f.rss_floors.first, f.rss_floors.second);
  for (const auto& v : f.violations) std::printf("  violation: %s\n", v.c_str());
  write_timeline(f);
  return f.violations.empty() ? 0 : 1;
}
