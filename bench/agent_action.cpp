// SPDX-License-Identifier: Apache-2.0
// One action of a fresh hookd from outside: exec -> first receive, notification -> script exec,
// script exit -> completion; the same from instance metadata; and a crowded same-order queue.
#include "agent_bench.hpp"

#include "hookd/proc/supervisor.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <sys/resource.h>
#include <sys/stat.h>

namespace hookd::bench {
namespace net = boost::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// The instance-metadata trigger: a fresh hookd (--trigger imds, polling every second) on instance
// `id`; once it polls, `start` ends the instance (scale-in or a Spot notice). Appends the time
// from that moment, and from the metadata answer that showed it, to the script's exec (ms).
void imds_action(bench_env& b, const std::string& id, const std::function<void()>& start, std::vector<double>& to_exec,
                 std::vector<double>& answer_to_exec) {
  b.scenario(id, 0, id);
  const auto script = (b.dir / ("stamp-" + id)).string();
  fs::copy_file(HOOKD_BENCH_STAMP, script);
  auto c = b.hookd(id, script, 1, true);
  b.use_imds(c, id, "imds", "1s");
  sys_time started{};
  net::steady_timer later(b.ioc, 1500ms); // past start-up and the first poll
  // A hookd that ended first leaves the wait cancelled, or already due and not yet run: either
  // way it must not touch this frame once it is gone.
  auto alive = std::make_shared<bool>(true);
  later.async_wait([&, alive](boost::system::error_code ec) {
    if (ec || !*alive) return;
    started = std::chrono::system_clock::now();
    start();
  });
  auto r = b.run(proc::run(c, {}, print_log));
  *alive = false;
  if (r.exit_code != 0) std::fprintf(stderr, "hookd failed: %s\n", r.describe().c_str());
  const auto exec_ns = read_ns(script + ".start");
  to_exec.push_back((exec_ns - ns_since_epoch(started)) / 1e6);
  long long answer = 0; // the first metadata answer after the change: the poll that saw it
  for (const auto& call : b.emu->calls())
    if (call.service == "imds" && call.answered >= started && ns_since_epoch(call.answered) <= exec_ns &&
        (call.operation.ends_with("target-lifecycle-state") || call.operation.ends_with("spot/instance-action")) && call.status == 200 &&
        !answer)
      answer = ns_since_epoch(call.answered);
  if (answer) answer_to_exec.push_back((exec_ns - answer) / 1e6);
}

// Scales the group in once a ReceiveMessage of this hookd has arrived: a hookd that polls
// already, so that receive -> exec is the path of every action but a start-up's.
// `scaled_at`: the count of calls answered by then (the hook's test notification went before).
net::awaitable<void> scale_in_once_polled(bench_env& b, std::string group, std::size_t calls_before,
                                     std::shared_ptr<std::size_t> scaled_at) {
  net::steady_timer t(b.ioc);
  for (;;) {
    const auto all = b.emu->calls();
    if (std::any_of(all.begin() + static_cast<long>(std::min(calls_before, all.size())), all.end(),
                    [](const emulator::recorded_call& c) { return c.operation == "ReceiveMessage"; }))
      break;
    t.expires_after(1ms);
    co_await t.async_wait(net::use_awaitable);
  }
  *scaled_at = b.emu->calls().size();
  b.emu->terminate_instance(group, "i-self");
}

// One action of a fresh hookd; appends its figures (ms).
struct action_figures {
  std::vector<double> exec_to_receive, notif_to_exec, exit_to_complete;
  std::vector<double> exec_to_exec; ///< hookd's exec to the script's
  std::vector<double> cpu_ms, faults; ///< what the hookd process (and its script) cost: where the time goes
};

// The scale-in comes once hookd polls (`waiting`: before it starts, as at a restart or a boot
// with a launch hook; the receive that takes it then runs beside the hooks' look-up).
void one_action(bench_env& b, const std::string& name, action_figures& f, bool waiting = false) {
  b.scenario(name, 0);
  // The script is bench/stamp.cpp, a static program that writes its start and exit times beside itself.
  const auto script = (b.dir / ("stamp-" + name)).string();
  fs::copy_file(HOOKD_BENCH_STAMP, script);
  const auto start_file = script + ".start", end_file = script + ".end";
  const auto before = b.emu->calls().size();
  // Shared: a hookd that ends before its first poll leaves the coroutine behind this frame.
  auto scaled_at = std::make_shared<std::size_t>(before);
  if (waiting) b.emu->terminate_instance(name, "i-self");
  else net::co_spawn(b.ioc, scale_in_once_polled(b, name, before, scaled_at), net::detached);
  rusage u0{}, u1{};
  ::getrusage(RUSAGE_CHILDREN, &u0);
  const auto t0 = steady::now();
  const auto started = std::chrono::system_clock::now();
  auto r = b.run(proc::run(b.hookd(name, script, 1, true), {}, print_log));
  if (r.exit_code != 0) std::fprintf(stderr, "hookd failed: %s\n", r.describe().c_str());
  ::getrusage(RUSAGE_CHILDREN, &u1);
  auto ms_of = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  f.cpu_ms.push_back(ms_of(u1.ru_utime) + ms_of(u1.ru_stime) - ms_of(u0.ru_utime) - ms_of(u0.ru_stime));
  f.faults.push_back(static_cast<double>(u1.ru_minflt - u0.ru_minflt));
  const auto all = b.emu->calls();
  const std::vector<emulator::recorded_call> mine(all.begin() + static_cast<long>(before), all.end());
  auto first = [&](const char* op) {
    return std::find_if(mine.begin(), mine.end(), [op](const emulator::recorded_call& c) { return c.operation == op; });
  };
  const auto receive = std::find_if(mine.begin() + static_cast<long>(*scaled_at - before), mine.end(), [](const emulator::recorded_call& c) {
    return c.operation == "ReceiveMessage" && c.messages > 0;
  });
  const auto first_receive = first("ReceiveMessage"), complete = first("CompleteLifecycleAction");
  if (receive == mine.end() || complete == mine.end()) return;
  f.exec_to_receive.push_back(std::chrono::duration<double, std::milli>(first_receive->received - t0).count());
  f.notif_to_exec.push_back((read_ns(start_file) - ns_since_epoch(receive->answered)) / 1e6);
  f.exec_to_exec.push_back((read_ns(start_file) - ns_since_epoch(started)) / 1e6);
  f.exit_to_complete.push_back((ns_since_epoch(complete->answered) - read_ns(end_file)) / 1e6);
  if (std::getenv("HOOKD_BENCH_VERBOSE")) { // the timeline, relative to the first ReceiveMessage's answer
    const auto zero = ns_since_epoch(receive->answered);
    for (const auto& c : mine)
      std::printf("    %+9.3f ms  %s answered\n", (ns_since_epoch(c.answered) - zero) / 1e6, c.operation.c_str());
    std::printf("    %+9.3f ms  script start\n    %+9.3f ms  script end\n", (read_ns(start_file) - zero) / 1e6,
                (read_ns(end_file) - zero) / 1e6);
  }
}

// 1. One action, five times: exec -> first ReceiveMessage; notification -> script exec; script
// exit -> Complete on the wire.
void fresh_actions(bench_env& b) {
  action_figures one, slow, boot;
  for (int run = 0; run < runs; ++run) one_action(b, "one" + std::to_string(run), one);
  // The same with a script that runs 100 ms: its exit no longer overlaps the requests that the
  // action's start sent beside the exec (the visibility hold, other messages' deletes).
  for (int run = 0; run < runs; ++run) one_action(b, "long" + std::to_string(run) + "-100ms", slow);
  // Started with the action already waiting: how soon the script runs after hookd's exec.
  for (int run = 0; run < runs; ++run) one_action(b, "boot" + std::to_string(run), boot, true);
  row("exec -> first ReceiveMessage (identity given)", spread(one.exec_to_receive), "<= 10 ms");
  row("notification received -> script exec", spread(one.notif_to_exec), "<= 3 ms + download");
  row("hookd exec -> script exec, action waiting", spread(boot.exec_to_exec), "<= 13 ms (10 + 3)");
  row("script exit -> CompleteLifecycleAction answered", spread(one.exit_to_complete), "<= 2 ms");
  row("  the same, script of 100 ms", spread(slow.exit_to_complete), "<= 2 ms");
  // Where the time goes: a slower machine that faults more or computes more shows it here.
  row("  CPU of hookd (user + sys), start to exit", spread(one.cpu_ms), "none: where the time goes");
  row("  minor page faults of hookd, start to exit", spread(one.faults, "", "%.0f"), "none: where the time goes");
}

// 1b. The same from instance metadata: scale-in (target state Terminated) and a Spot notice.
void metadata_actions(bench_env& b) {
  std::vector<double> term, term_answer, spot, spot_answer;
  for (int run = 0; run < runs; ++run) {
    const auto id = "i-imds" + std::to_string(run), sid = "i-spot" + std::to_string(run);
    imds_action(b, id, [&] { b.emu->terminate_instance(id, id); }, term, term_answer);
    imds_action(b, sid, [&] {
      b.emu->set_imds_item(sid, "spot/instance-action",
                           R"({"action":"terminate","time":")" + iso8601(std::chrono::system_clock::now() + 2min) + R"("})");
    }, spot, spot_answer);
  }
  row("IMDS Terminated -> script exec (poll 1s)", spread(term), "<= poll interval + 3 ms");
  row("  the metadata answer that showed it -> exec", spread(term_answer), "<= 3 ms");
  row("Spot notice -> script exec (poll 1s)", spread(spot), "<= poll interval + 3 ms");
  row("  the metadata answer that showed it -> exec", spread(spot_answer), "<= 3 ms");
}

// 2. Our message behind 500 foreign ones in a same-order queue: requests until ours is reached.
void crowded_queue(bench_env& b) {
  b.scenario("crowd", 500);
  for (int i = 0; i < 500; ++i) b.emu->terminate_instance("crowd", "i-other" + std::to_string(i));
  const auto script = (b.dir / "true.sh").string();
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ::chmod(script.c_str(), 0755);
  b.emu->terminate_instance("crowd", "i-self");
  const auto before = b.emu->calls().size();
  b.run(proc::run(b.hookd("crowd", script, 1, true), {}, print_log));
  int requests = 0;
  const auto all = b.emu->calls();
  for (std::size_t i = before; i < all.size(); ++i) {
    const auto& op = all[i].operation;
    if (op == "RecordLifecycleActionHeartbeat" || op == "CompleteLifecycleAction" || op == "ChangeMessageVisibility") break;
    if (all[i].service == "sqs") ++requests;
  }
  row("SQS requests to reach our message behind 500", std::to_string(requests), "<= 80");
  if (std::getenv("HOOKD_BENCH_VERBOSE")) {
    std::map<std::string, int> ops;
    for (std::size_t i = before; i < all.size(); ++i) ++ops[all[i].operation];
    for (auto& [op, n] : ops) std::printf("    %s: %d\n", op.c_str(), n);
  }
}

} // namespace

void bench_actions(bench_env& b) {
  fresh_actions(b);
  metadata_actions(b);
  crowded_queue(b);
}

} // namespace hookd::bench
