// SPDX-License-Identifier: Apache-2.0
// `make fleet`: N real hookd processes on one shared queue, each with its own instance id, state
// dir, access key and instance-metadata listener, against the TLS emulator; K of them scaled in at
// once, in both queue orders. Prints each figure beside its target. With --check it exits 1 when
// an invariant breaks (every action completed exactly once with CONTINUE, no wrong delete); it
// never judges timings, which depend on the machine. A third pass runs the same fleet with no queue
// at all (--trigger imds): each hookd learns its scale-in from its own instance metadata. A fourth
// (fleet_drain.cpp) drains every scaled-in instance from its target groups and ECS first.
#include "fleet_run.hpp"
#include "hookd/emulator/test_pki.hpp"

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

namespace hookd::fleet {
namespace net = boost::asio;
namespace fs = std::filesystem;

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
    if (a == "--quick") {
      o.agents = 20, o.scale_in = 8, o.script_seconds = 1, o.timeout_seconds = 60, o.idle_window_seconds = 3;
      // Drains of a couple of seconds, three pages of groups, and budgets that some of 8 scans at once exceed.
      o.drain_scale_in = 8, o.drain_groups = 9, o.drain_page = 4, o.drain_delay_seconds = 2, o.task_stop_ms = 1500;
      o.elb_rate = o.ecs_rate = 50, o.elb_burst = o.ecs_burst = 100;
    }
    else if (a == "--check") o.check = true;
    else if (a == "--agents") o.agents = next();
    else if (a == "--scale-in") o.scale_in = next();
    else if (a == "--script-seconds") o.script_seconds = next();
    else if (a == "--asg-rate") o.asg_rate = next(), o.asg_burst = o.asg_rate * 2;
    else if (a == "--drains-only") o.drains_only = true;
    else if (a == "--drain-scale-in") o.drain_scale_in = next();
    else if (a == "--drain-groups") o.drain_groups = next();
    else if (a == "--elb-rate") o.elb_rate = next(), o.elb_burst = o.elb_rate * 2;
    else std::fprintf(stderr, "hookd_bench_fleet: unknown argument %s (--quick, --check, --agents N, --scale-in K, "
                              "--script-seconds S, --asg-rate PER_SECOND, --drain-scale-in K, --drain-groups G, "
                              "--elb-rate PER_SECOND, --drains-only)\n", argv[i]);
  }
  o.scale_in = std::clamp(o.scale_in, 1, std::max(1, o.agents));
  o.drain_scale_in = std::clamp(o.drain_scale_in, 1, std::max(1, o.agents));
  o.drain_groups = std::max(o.drain_groups, 3);
  return o;
}


} // namespace hookd::fleet

int main(int argc, char** argv) {
  namespace net = boost::asio;
  namespace fs = std::filesystem;
  using hookd::fleet::source;
  const auto o = hookd::fleet::parse(argc, argv);
  net::io_context ioc{1};
  const auto dir = fs::temp_directory_path() / ("hookd-fleet-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto tls = hookd::emulator::start_tls_emulator(ioc.get_executor(), (dir / "pki").string()).value();
  auto& emu = *tls.emu;
  emu.set_autoscaling_rate(o.asg_rate, o.asg_burst);
  hookd::fleet::fleet_run run(ioc, emu, dir, tls.ca_env(), o);
  bool ok = true;
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    const auto all = {source::shuffled_queue, source::stable_queue, source::imds, source::drains};
    for (auto src : all)
      if (!o.drains_only || src == source::drains) ok = co_await run.phase(src) && ok;
    ioc.stop();
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  emu.stop();
  fs::remove_all(dir);
  if (o.check) std::printf("\nfleet invariants: %s\n", ok ? "held" : "BROKEN");
  return o.check && !ok ? 1 : 0;
}
