// SPDX-License-Identifier: Apache-2.0
// `make fleet`: N real hookd processes on one shared queue, each with its own instance id, state
// dir, access key and instance-metadata listener, against the TLS emulator; K of them scaled in at
// once, in both queue orders. Prints each figure beside its target. With --check it exits 1 when
// an invariant breaks (every action completed exactly once with CONTINUE, no wrong delete); it
// never judges timings, which depend on the machine. A third pass runs the same fleet with no queue
// at all (--trigger imds): each hookd learns its scale-in from its own instance metadata.
#include "fleet_stats.hpp"
#include "support/harness.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sys/stat.h>

namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace hookd;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct options {
  int agents = 200, scale_in = 50, script_seconds = 5, timeout_seconds = 240, idle_window_seconds = 20;
  double asg_rate = 20, asg_burst = 40; // Auto Scaling's account-wide budget in the emulator
  bool check = false;
  std::string binary;
};

struct agent_proc {
  std::string instance, key, state;
  bool exited = false;
};

/// The two orders of the shared queue, and the fleet with no queue (the instance-metadata source).
enum class source { shuffled_queue, stable_queue, imds };
constexpr int imds_poll_seconds = 5; // hookd's default --imds-poll

using test::pause;

long rss_kib(const std::string& state_dir) {
  const auto pid = test::hookd_pid(state_dir);
  return pid > 0 ? std::max(0L, test::proc_status_kib(pid, "VmRSS:")) : 0;
}

pid_t pid_of(const std::string& state_dir) { return test::hookd_pid(state_dir); }

void row(const std::string& what, const std::string& value, const std::string& target) {
  std::printf("  %-44s %-30s %s\n", what.c_str(), value.c_str(), target.c_str());
}

std::string seconds_text(const fleet::distribution& d) {
  char b[96];
  std::snprintf(b, sizeof b, "%.2f / %.2f / %.2f s", d.p50, d.p90, d.max);
  return b;
}

std::string count_text(const fleet::distribution& d) {
  char b[96];
  std::snprintf(b, sizeof b, "%.0f / %.0f / %.0f", d.p50, d.p90, d.max);
  return b;
}

class fleet_run {
public:
  fleet_run(net::io_context& ioc, emulator::server& emu, fs::path dir, std::string ca, options o)
      : ioc_(ioc), emu_(emu), dir_(std::move(dir)), ca_(std::move(ca)), o_(std::move(o)) {}

  net::awaitable<bool> phase(source src) {
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
    fs::create_directories(dir_ / name);
    script_ = (dir_ / name / "script.sh").string();
    std::ofstream(script_) << "#!/bin/sh\ndate +%s%N > " << (dir_ / name).string() << "/start-$2\nsleep " << o_.script_seconds << "\n";
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
             "HOOKD_STARTUP_JITTER=5s", // as the boot-time cron line and systemd unit start it
             std::string("HOOKD_LOG_LEVEL=") + (std::getenv("HOOKD_FLEET_LOG_LEVEL") ? std::getenv("HOOKD_FLEET_LOG_LEVEL") : "warn")};
    if (imds_) {
      c.env.push_back("HOOKD_TRIGGER=imds");
      c.env.push_back("HOOKD_IMDS_POLL=" + std::to_string(imds_poll_seconds) + "s");
    } else {
      c.env.push_back("HOOKD_QUEUE_URL=" + emu_.queue_url(queue));
    }
    return c;
  }

  net::awaitable<bool> start_agents(const std::string& queue) {
    for (auto& a : agents_) {
      auto port = emu_.add_imds_instance(a.instance).value();
      net::co_spawn(ioc_, proc::run(command_for(a, port, queue), {}, [](std::string_view, std::string_view line, bool) {
                      if (std::getenv("HOOKD_FLEET_LOG")) std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
                    }),
                    [&a](std::exception_ptr, proc::run_result) { a.exited = true; });
    }
    // Ready: in its long poll, or (with no queue) past start-up, which ends by reading the hooks.
    const auto until = steady::now() + 120s;
    while (steady::now() < until) {
      std::set<std::string> polled;
      for (const auto& c : emu_.calls(imds_ ? "DescribeLifecycleHooks" : "ReceiveMessage")) polled.insert(c.access_key_id);
      std::size_t n = 0;
      for (const auto& a : agents_) n += polled.count(a.key);
      if (n == agents_.size()) {
        co_await pause(1s); // every agent is in its long poll, and its start-up pages are in
        co_return true;
      }
      co_await pause(200ms);
    }
    co_return false;
  }

  net::awaitable<void> stop_agents() {
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

  net::io_context& ioc_;
  emulator::server& emu_;
  fs::path dir_;
  std::string ca_, script_;
  options o_;
  std::vector<agent_proc> agents_;
  bool imds_ = false;
};

double secs(steady::duration d) { return std::chrono::duration<double>(d).count(); }

bool fleet_run::report(const std::string& name, bool shuffled, const std::map<std::string, std::string>& token_of,
                       steady::time_point t0, std::chrono::system_clock::time_point t0_wall, std::size_t calls0,
                       int throttled0, long rss_kib_sum, double idle_per_hour) {
  std::map<std::string, std::string> owner_key; // token -> key
  for (const auto& a : agents_)
    if (token_of.count(a.instance)) owner_key[token_of.at(a.instance)] = a.key;
  std::vector<double> to_receive, to_start, to_complete, others_first, hidden;
  int wrong_deletes = 0;
  for (const auto& h : emu_.message_histories(name)) {
    for (const auto& [token, key] : owner_key) {
      if (h.body.find(token) == std::string::npos) continue;
      const auto s = fleet::story_of(h, key);
      if (std::getenv("HOOKD_FLEET_DEBUG") && s.hidden_by_others > std::chrono::seconds(5)) {
        // The message's whole story, to see who held it and how (HOOKD_FLEET_DEBUG=1).
        std::fprintf(stderr, "message %s (owner %s) hidden %.1f s:\n", h.id.c_str(), key.c_str(),
                     std::chrono::duration<double>(s.hidden_by_others).count());
        for (const auto& e : h.events)
          std::fprintf(stderr, "  %+8.3f s %-12s %s %d\n", secs(e.at - t0), e.key_id.c_str(),
                       e.what == emulator::message_event::received ? "received" : e.what == emulator::message_event::released ? "released" : "deleted",
                       e.seconds);
      }
      wrong_deletes += s.wrong_delete;
      if (s.owner_received) to_receive.push_back(secs(*s.owner_received - t0));
      others_first.push_back(s.others_first);
      hidden.push_back(std::chrono::duration<double>(s.hidden_by_others).count());
    }
  }
  to_start = script_starts(name, token_of, t0_wall);
  std::map<std::string, int> completions;
  std::size_t sqs_burst = 0, asg_burst = 0;
  const auto calls = emu_.calls();
  for (std::size_t i = calls0; i < calls.size(); ++i) {
    const auto& c = calls[i];
    if (c.service == "sqs" && !(c.operation == "ReceiveMessage" && c.messages == 0)) ++sqs_burst;
    if (c.service == "autoscaling") ++asg_burst;
    if (c.operation == "CompleteLifecycleAction" && c.status == 200) {
      const auto t = std::string(c.params.at("LifecycleActionToken").as_string());
      if (owner_key.count(t) && ++completions[t] == 1) to_complete.push_back(secs(c.received - t0));
    }
  }
  std::vector<std::pair<std::string, std::string>> counted;
  for (const auto& [token, _] : owner_key) counted.emplace_back(token, token);
  const auto [once, continued] = tally(completions, counted);
  const int k = static_cast<int>(owner_key.size());
  std::printf("\nfleet: %d agents on one queue, %d scaled in at once, %d s scripts, %s order\n", o_.agents, o_.scale_in,
              o_.script_seconds, shuffled ? "shuffled" : "stable");
  row("figure", "p50 / p90 / max", "target");
  row("scale-in -> owner's receive", seconds_text(fleet::distribution_of(to_receive)),
      shuffled ? "p90 <= 5 s, max <= 15 s" : "max <= 30 s");
  row("scale-in -> script start", seconds_text(fleet::distribution_of(to_start)), "");
  row("scale-in -> completed", seconds_text(fleet::distribution_of(to_complete)), "");
  row("others' receives before the owner's", count_text(fleet::distribution_of(others_first)), "");
  row("held hidden by others before the owner's", seconds_text(fleet::distribution_of(hidden)), "a few seconds at most");
  char b[160];
  std::snprintf(b, sizeof b, "%zu/%d received, %d/%d exactly once", to_receive.size(), k, once, k);
  row("actions completed", b, "all, exactly once");
  std::snprintf(b, sizeof b, "%d/%d", continued, k);
  row("completed with CONTINUE (not timed out)", b, "all");
  row("wrong deletes", std::to_string(wrong_deletes), "0");
  std::snprintf(b, sizeof b, "%.1f", once ? static_cast<double>(sqs_burst) / once : 0.0);
  row("SQS requests per completed action (burst)", b, "<= 40 (empty long polls not counted)");
  std::snprintf(b, sizeof b, "%zu calls, %d throttled", asg_burst, emu_.autoscaling_throttled() - throttled0);
  row("Auto Scaling during the burst", b, "no action lost to throttling");
  rss_row(rss_kib_sum);
  std::snprintf(b, sizeof b, "%.0f/h, $%.4f/h at $0.40/M", idle_per_hour, idle_per_hour * 0.4 / 1e6);
  row("idle SQS requests, whole fleet", b, "IMDS source: 0");
  return once == k && continued == k && wrong_deletes == 0;
}

std::vector<double> fleet_run::script_starts(const std::string& name, const std::map<std::string, std::string>& token_of,
                                             std::chrono::system_clock::time_point t0_wall) const {
  std::vector<double> out;
  for (const auto& [inst, _] : token_of) {
    long long ns = 0;
    std::ifstream(dir_ / name / ("start-" + inst)) >> ns;
    if (ns > 0) out.push_back(static_cast<double>(ns) / 1e9 - std::chrono::duration<double>(t0_wall.time_since_epoch()).count());
  }
  return out;
}

bool fleet_run::report_imds(const std::string& name, const std::map<std::string, std::string>& token_of, steady::time_point t0,
                            std::chrono::system_clock::time_point t0_wall, std::size_t calls0, long rss_kib_sum) {
  // Completions here name the instance, not a token: one per scaled-in instance, exactly once.
  // Only this fleet's calls count: a long poll of the previous pass's (killed) agents is recorded
  // when the emulator answers it, which can be now.
  std::set<std::string> keys;
  for (const auto& a : agents_) keys.insert(a.key);
  std::map<std::string, int> completions;
  std::vector<double> to_complete;
  std::size_t sqs = 0, asg = 0;
  const auto calls = emu_.calls();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& c = calls[i];
    if (!keys.count(c.access_key_id)) continue;
    sqs += c.service == "sqs"; // from start-up on: none at all
    asg += i >= calls0 && c.service == "autoscaling";
    if (c.operation == "CompleteLifecycleAction" && c.status == 200 && c.params.contains("InstanceId")) {
      const auto inst = std::string(c.params.at("InstanceId").as_string());
      if (token_of.count(inst) && ++completions[inst] == 1) to_complete.push_back(secs(c.received - t0));
    }
  }
  const auto [once, continued] = tally(completions, {token_of.begin(), token_of.end()});
  const int k = static_cast<int>(token_of.size());
  std::printf("\nfleet: %d agents with no queue (--trigger imds, --imds-poll %ds), %d scaled in at once, %d s scripts\n",
              o_.agents, imds_poll_seconds, o_.scale_in, o_.script_seconds);
  row("figure", "p50 / p90 / max", "target");
  row("scale-in -> script start", seconds_text(fleet::distribution_of(script_starts(name, token_of, t0_wall))),
      "max <= " + std::to_string(imds_poll_seconds + 2) + " s (poll interval + 2 s)");
  row("scale-in -> completed", seconds_text(fleet::distribution_of(to_complete)), "");
  char b[160];
  std::snprintf(b, sizeof b, "%d/%d exactly once", once, k);
  row("actions completed", b, "all, exactly once");
  std::snprintf(b, sizeof b, "%d/%d", continued, k);
  row("completed with CONTINUE (not timed out)", b, "all");
  row("SQS requests, whole fleet, whole run", std::to_string(sqs), "0");
  row("Auto Scaling calls during the burst", std::to_string(asg), "");
  rss_row(rss_kib_sum);
  return once == k && continued == k && sqs == 0;
}

options parse(int argc, char** argv) {
  options o;
  o.binary = std::getenv("HOOKD_BENCH_BINARY") ? std::getenv("HOOKD_BENCH_BINARY") : HOOKD_BINARY;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--quick") o.agents = 20, o.scale_in = 8, o.script_seconds = 1, o.timeout_seconds = 60, o.idle_window_seconds = 3;
    else if (a == "--check") o.check = true;
    else if (a == "--agents") o.agents = next();
    else if (a == "--scale-in") o.scale_in = next();
    else if (a == "--script-seconds") o.script_seconds = next();
    else if (a == "--asg-rate") o.asg_rate = next(), o.asg_burst = o.asg_rate * 2;
    else std::fprintf(stderr, "hookd_bench_fleet: unknown argument %s (--quick, --check, --agents N, --scale-in K, "
                              "--script-seconds S, --asg-rate PER_SECOND)\n", argv[i]);
  }
  o.scale_in = std::clamp(o.scale_in, 1, std::max(1, o.agents));
  return o;
}

} // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  net::io_context ioc{1};
  const auto dir = fs::temp_directory_path() / ("hookd-fleet-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto tls = emulator::start_tls_emulator(ioc.get_executor(), (dir / "pki").string()).value();
  auto& emu = *tls.emu;
  emu.set_autoscaling_rate(o.asg_rate, o.asg_burst);
  fleet_run run(ioc, emu, dir, tls.ca_env(), o);
  bool ok = true;
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    for (auto src : {source::shuffled_queue, source::stable_queue, source::imds}) ok = co_await run.phase(src) && ok;
    ioc.stop();
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  emu.stop();
  fs::remove_all(dir);
  if (o.check) std::printf("\nfleet invariants: %s\n", ok ? "held" : "BROKEN");
  return o.check && !ok ? 1 : 0;
}
