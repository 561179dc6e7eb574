#pragma once
// SPDX-License-Identifier: Apache-2.0
// The fleet bench's fleet: N real hookd processes against the TLS emulator, started, scaled in and
// stopped pass by pass (bench_fleet.cpp: the queue and metadata passes and main; fleet_drain.cpp:
// the drain pass). Its options and the printing helpers its reports share.
#include "fleet_stats.hpp"
#include "support/fleet_drains.hpp"
#include "support/harness.hpp"
#include "hookd/emulator/emulator.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace hookd::fleet {
using namespace std::chrono_literals;


struct options {
  int agents = 200, scale_in = 50, script_seconds = 5, timeout_seconds = 240, idle_window_seconds = 20;
  double asg_rate = 20, asg_burst = 40; // Auto Scaling's account-wide budget in the emulator
  // The drain pass (fleet_drain.cpp): target groups scanned (the emulator answers `drain_page` a
  // page), their deregistration delay (targets read `draining` all of it, the worst case for
  // polls), the time ECS tasks take to stop, and the emulator's ELBv2 and ECS request budgets.
  int drain_scale_in = 200, drain_groups = 20, drain_page = 10, drain_delay_seconds = 20, task_stop_ms = 3000;
  double elb_rate = 400, elb_burst = 800, ecs_rate = 200, ecs_burst = 400;
  bool check = false;
  bool drains_only = false; ///< --drains-only: the drain pass alone
  std::string binary;
};

struct agent_proc {
  std::string instance, key, state;
  bool exited = false;
};

/// The two orders of the shared queue, the fleet with no queue (the instance-metadata source), and
/// the shuffled queue with --drain elbv2,ecs.
enum class source { shuffled_queue, stable_queue, imds, drains };
constexpr int imds_poll_seconds = 5; // hookd's default --imds-poll

using hookd::test::pause;

inline long rss_kib(const std::string& state_dir) {
  const auto pid = test::hookd_pid(state_dir);
  return pid > 0 ? std::max(0L, test::proc_status_kib(pid, "VmRSS:")) : 0;
}

inline pid_t pid_of(const std::string& state_dir) { return test::hookd_pid(state_dir); }

inline void row(const std::string& what, const std::string& value, const std::string& target) {
  std::printf("  %-44s %-30s %s\n", what.c_str(), value.c_str(), target.c_str());
}

inline std::string seconds_text(const fleet::distribution& d) {
  char b[96];
  std::snprintf(b, sizeof b, "%.2f / %.2f / %.2f s", d.p50, d.p90, d.max);
  return b;
}

inline std::string count_text(const fleet::distribution& d) {
  char b[96];
  std::snprintf(b, sizeof b, "%.0f / %.0f / %.0f", d.p50, d.p90, d.max);
  return b;
}

/// The drain pass's figures for the instances it scaled in (fleet_drain.cpp).
struct drain_figures {
  std::vector<std::string> drained;                      ///< the instances scaled in
  std::vector<double> elb_answered, ecs_answered, throttled; ///< per drained instance
  std::size_t over_bound = 0, drains_ok = 0, draining = 0;
  std::size_t others_draining = 0; ///< container instances DRAINING that were not scaled in: must be 0
};

class fleet_run {
public:
  fleet_run(boost::asio::io_context& ioc, emulator::server& emu, std::filesystem::path dir, std::string ca, options o)
      : ioc_(ioc), emu_(emu), dir_(std::move(dir)), ca_(std::move(ca)), o_(std::move(o)) {}

  boost::asio::awaitable<bool> phase(source src) {
    if (src == source::drains) co_return co_await drain_pass();
    const bool shuffled = src == source::shuffled_queue;
    imds_ = src == source::imds;
    const std::string name = imds_ ? "fleet-imds" : shuffled ? "fleet-shuffled" : "fleet-stable";
    set_up(name, shuffled);
    const bool all_polled = co_await start_agents(name);
    if (!all_polled) std::printf("  (not every agent polled within 120 s; figures below are partial)\n");
    long rss = 0;
    for (const auto& a : agents_) rss += rss_kib(a.state);
    const auto idle_before = sqs_calls(name);
    co_await pause(std::chrono::seconds(o_.idle_window_seconds));
    const double idle_per_hour = static_cast<double>(sqs_calls(name) - idle_before) * 3600.0 / o_.idle_window_seconds;

    // The scale-in: K instances spread over the fleet, all at once.
    const auto t0 = steady::now();
    const auto t0_wall = std::chrono::system_clock::now();
    const auto calls0 = emu_.calls().size();
    const int throttled0 = emu_.autoscaling_throttled();
    std::map<std::string, std::string> token_of; // instance -> token
    for (int k = 0; k < o_.scale_in; ++k) {
      const auto& inst = agents_[static_cast<std::size_t>(k * o_.agents / o_.scale_in)].instance;
      token_of[inst] = emu_.terminate_instance(name, inst).at(0);
    }
    while (steady::now() - t0 < std::chrono::seconds(o_.timeout_seconds) && !all_done(token_of)) co_await pause(100ms);
    const bool ok = imds_ ? report_imds(name, token_of, t0, t0_wall, calls0, rss)
                          : report(name, shuffled, token_of, t0, t0_wall, calls0, throttled0, rss, idle_per_hour);
    co_await stop_agents();
    co_return ok;
  }

private:
  void set_up(const std::string& name, bool shuffled) {
    if (!imds_) {
      emu_.create_queue(name);
      emu_.set_queue_shuffled(name, shuffled);
    }
    agents_.clear();
    std::vector<std::string> ids;
    for (int i = 0; i < o_.agents; ++i) ids.push_back("i-" + name.substr(6, 4) + std::to_string(100000 + i));
    emu_.create_group(name, ids);
    emulator::hook_spec h;
    h.group = name;
    h.name = "drain";
    h.queue = imds_ ? "" : name; // with no queue, the hook notifies nothing
    h.heartbeat_timeout = 60;
    emu_.put_hook(h);
    std::filesystem::create_directories(dir_ / name);
    script_ = (dir_ / name / "script.sh").string();
    // When it started, and what the drains told it (the drain pass checks that line).
    std::ofstream(script_) << "#!/bin/sh\nprintf '%s\\n%s\\n' \"$(date +%s%N)\" \"${HOOKD_DRAIN_RESULT:-}\" > " << (dir_ / name).string()
                           << "/start-$2\nsleep " << o_.script_seconds << "\n";
    ::chmod(script_.c_str(), 0755);
    for (const auto& id : ids) {
      agent_proc a{id, "AKIDF" + id.substr(2), (dir_ / name / id).string()};
      emu_.add_key({a.key, "secret-" + id, {}, std::nullopt});
      agents_.push_back(a);
    }
  }

  proc::command command_for(const agent_proc& a, std::uint16_t imds_port, const std::string& queue) const {
    proc::command c;
    c.path = o_.binary;
    c.env = {"PATH=/usr/bin:/bin", "AWS_ENDPOINT_URL=" + emu_.url(), ca_, "AWS_ACCESS_KEY_ID=" + a.key,
             "AWS_SECRET_ACCESS_KEY=secret-" + a.instance, "HOOKD_CONFIG=/dev/null",
             "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:" + std::to_string(imds_port),
             "HOOKD_STATE_DIR=" + a.state, "HOOKD_ON_TERMINATE=" + script_,
             // As the boot-time cron line and systemd unit start it; the drain pass measures drains, not start-up.
             drains_ ? "HOOKD_STARTUP_JITTER=0s" : "HOOKD_STARTUP_JITTER=5s",
             std::string("HOOKD_LOG_LEVEL=") + (std::getenv("HOOKD_FLEET_LOG_LEVEL") ? std::getenv("HOOKD_FLEET_LOG_LEVEL") : "warn")};
    if (imds_) {
      c.env.push_back("HOOKD_TRIGGER=imds");
      c.env.push_back("HOOKD_IMDS_POLL=" + std::to_string(imds_poll_seconds) + "s");
    } else {
      c.env.push_back("HOOKD_QUEUE_URL=" + emu_.queue_url(queue));
    }
    if (drains_) drain_env(c.env);
    return c;
  }

  boost::asio::awaitable<bool> start_agents(const std::string& queue) {
    for (auto& a : agents_) {
      auto port = emu_.add_imds_instance(a.instance).value();
      boost::asio::co_spawn(ioc_, proc::run(command_for(a, port, queue), {}, [](std::string_view, std::string_view line, bool) {
                      if (std::getenv("HOOKD_FLEET_LOG")) std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
                    }),
                    [&a](std::exception_ptr, proc::run_result) { a.exited = true; });
    }
    // Ready: past start-up, which ends by reading the hooks. The first receive is sent beside that
    // look-up; a second later every agent is in its long poll (which the emulator records only
    // when it is answered, 20 s later on a quiet queue: too late to wait for).
    const auto until = steady::now() + 120s;
    while (steady::now() < until) {
      std::set<std::string> polled;
      for (const auto& c : emu_.calls("DescribeLifecycleHooks")) polled.insert(c.access_key_id);
      std::size_t n = 0;
      for (const auto& a : agents_) n += polled.count(a.key);
      if (n == agents_.size()) {
        if (!drains_) co_await pause(1s); // every agent is in its long poll, and its start-up pages are in
        co_return true;
      }
      co_await pause(200ms);
    }
    co_return false;
  }

  boost::asio::awaitable<void> stop_agents() {
    for (const auto& a : agents_)
      if (auto pid = pid_of(a.state); pid > 0) ::kill(pid, SIGTERM);
    const auto until = steady::now() + 15s;
    auto running = [&] { return std::any_of(agents_.begin(), agents_.end(), [](const agent_proc& a) { return !a.exited; }); };
    while (running() && steady::now() < until) co_await pause(50ms);
    for (const auto& a : agents_)
      if (auto pid = pid_of(a.state); pid > 0 && !a.exited) ::kill(pid, SIGKILL);
    while (running()) co_await pause(50ms);
  }

  std::size_t sqs_calls(const std::string& queue) const {
    std::size_t n = 0;
    for (const auto& c : emu_.calls())
      if (c.service == "sqs" && c.params.contains("QueueUrl") && c.params.at("QueueUrl").as_string().ends_with("/" + queue)) ++n;
    return n;
  }

  bool all_done(const std::map<std::string, std::string>& token_of) const {
    for (const auto& [_, t] : token_of)
      if (auto a = emu_.action(t); !a || a->active) return false;
    return true;
  }

  bool report(const std::string& name, bool shuffled, const std::map<std::string, std::string>& token_of,
              steady::time_point t0, std::chrono::system_clock::time_point t0_wall, std::size_t calls0, int throttled0,
              long rss_kib_sum, double idle_per_hour);
  bool report_imds(const std::string& name, const std::map<std::string, std::string>& token_of, steady::time_point t0,
                   std::chrono::system_clock::time_point t0_wall, std::size_t calls0, long rss_kib_sum);
  /// Of (completion key, token) pairs: how many were completed exactly once, and how many ended
  /// with CONTINUE rather than by timing out.
  std::pair<int, int> tally(std::map<std::string, int>& completions,
                            const std::vector<std::pair<std::string, std::string>>& counted) const {
    int once = 0, continued = 0;
    for (const auto& [key, token] : counted) {
      once += completions[key] == 1;
      auto a = emu_.action(token);
      continued += a && !a->active && a->result == "CONTINUE" && !a->timed_out;
    }
    return {once, continued};
  }
  /// The fleet's summed idle RSS beside its target (6 MB an agent).
  void rss_row(long rss_kib_sum) const {
    const double mb = static_cast<double>(rss_kib_sum) / 1024.0;
    char b[96];
    std::snprintf(b, sizeof b, "%.1f MB (%.2f MB each)", mb, mb / o_.agents);
    row("summed idle RSS", b, "<= " + std::to_string(o_.agents * 6) + " MB");
  }
  std::vector<double> script_starts(const std::string& name, const std::map<std::string, std::string>& token_of,
                                    std::chrono::system_clock::time_point t0_wall) const;

  boost::asio::io_context& ioc_;
  emulator::server& emu_;
  std::filesystem::path dir_;
  std::string ca_, script_;
  options o_;
  std::vector<agent_proc> agents_;
  bool imds_ = false;

  // ---- the drain pass (fleet_drain.cpp) ----
  boost::asio::awaitable<bool> drain_pass();
  /// The target groups and container instances of the fleet's instances, from plan_drain_layout.
  void set_up_drains(const std::string& name);
  void drain_env(std::vector<std::string>& env) const;
  bool report_drains(const std::string& name, const std::map<std::string, std::string>& token_of,
                     std::chrono::system_clock::time_point t0_wall);
  drain_figures count_drains(const std::string& name, const std::map<std::string, std::string>& token_of) const;
  bool drains_ = false;
  drain_layout layout_;
  std::vector<std::string> group_arns_;                ///< by group index
  std::map<std::string, std::string> container_arn_;  ///< instance -> its ECS container instance
};

} // namespace hookd::fleet
