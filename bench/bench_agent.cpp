// SPDX-License-Identifier: Apache-2.0
// hookd's agent against the emulator, measured from outside: the real binary, a real TLS
// emulator, real scripts. Prints each figure beside its target (issue #5); asserts nothing.
#include "hookd/emulator/emulator.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/http/tls.hpp"
#include "hookd/core/time.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace hookd;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

struct bench_env {
  net::io_context ioc{1};
  fs::path dir;
  emulator::pki_files pki;
  std::unique_ptr<emulator::server> emu;
  std::string ca_env; ///< how hookd finds its CAs: AWS_CA_BUNDLE=... or SSL_CERT_DIR=...

  bench_env() {
    dir = fs::temp_directory_path() / ("hookd-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    pki = emulator::make_test_pki((dir / "pki").string()).value();
    emulator::options o;
    o.tls = true;
    o.cert_file = pki.server_cert;
    o.key_file = pki.server_key;
    emu = std::make_unique<emulator::server>(ioc.get_executor(), o);
    emu->start().value();
    emu->add_key({"AKIDBENCH", "bench-secret", {}, std::nullopt});
    ca_env = "AWS_CA_BUNDLE=" + pki.ca_cert;
  }
  ~bench_env() {
    emu->stop();
    fs::remove_all(dir);
  }

  void scenario(const std::string& name, int foreign, const std::string& self = "i-self") {
    emu->create_queue(name);
    std::vector<std::string> instances{self};
    for (int i = 0; i < foreign; ++i) instances.push_back("i-other" + std::to_string(i));
    emu->create_group(name, instances);
    emulator::hook_spec h;
    h.group = name;
    h.name = "drain";
    h.queue = name;
    h.heartbeat_timeout = 30;
    emu->put_hook(h);
  }

  proc::command hookd(const std::string& queue, const std::string& script, int wait, bool once) {
    proc::command c;
    // HOOKD_BENCH_BINARY measures another build (make bench sets it to the static one).
    c.path = std::getenv("HOOKD_BENCH_BINARY") ? std::getenv("HOOKD_BENCH_BINARY") : HOOKD_BINARY;
    if (once) c.args = {"--once"};
    // SQS and Auto Scaling are two origins in AWS, so hookd keeps their connections apart; the
    // emulator serves both, so Auto Scaling is named by host name (its certificate has both).
    auto asg_url = emu->url();
    asg_url.replace(asg_url.find("127.0.0.1"), 9, "localhost");
    c.env = {"PATH=/usr/bin:/bin", "AWS_ENDPOINT_URL=" + emu->url(), "AWS_ENDPOINT_URL_AUTO_SCALING=" + asg_url, ca_env,
             "AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench-secret", "AWS_REGION=us-east-1",
             "AWS_EC2_METADATA_DISABLED=true", "HOOKD_CONFIG=/dev/null", "HOOKD_QUEUE_URL=" + emu->queue_url(queue),
             "HOOKD_INSTANCE_ID=i-self", "HOOKD_GROUP=" + queue, "HOOKD_STATE_DIR=" + (dir / ("state-" + queue)).string(),
             "HOOKD_ON_TERMINATE=" + script, "HOOKD_WAIT_TIME=" + std::to_string(wait), std::string("HOOKD_LOG_LEVEL=") + (std::getenv("HOOKD_BENCH_LOG") ? std::getenv("HOOKD_BENCH_LOG") : "warn")};
    return c;
  }

  template <class T>
  T run(net::awaitable<T> aw) {
    std::optional<T> out;
    net::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, T v) {
      if (e) std::rethrow_exception(e);
      out = std::move(v);
      ioc.stop();
    });
    ioc.restart();
    ioc.run_for(120s);
    return std::move(*out);
  }
};

long long read_ns(const fs::path& p) {
  std::ifstream in(p);
  long long v = 0;
  in >> v;
  return v;
}

long long ns_since_epoch(sys_time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// HOOKD_BENCH_LOG=debug (or info) shows hookd's own log lines on stderr, for a timeline.
void print_log(std::string_view, std::string_view line, bool) {
  if (std::getenv("HOOKD_BENCH_LOG")) std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
}

void row(const char* what, const std::string& value, const char* target) {
  std::printf("  %-48s %-30s target %s\n", what, value.c_str(), target);
}

std::string ms(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f ms", v);
  return b;
}

std::pair<long, long> proc_rss_and_cpu_ticks(pid_t pid) {
  long rss = -1, ticks = -1;
  std::ifstream st("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(st, line);)
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::string f;
    std::vector<std::string> fields;
    while (rest >> f) fields.push_back(f);
    if (fields.size() > 13) ticks = std::stol(fields[11]) + std::stol(fields[12]);
  }
  return {rss, ticks};
}

struct idle_figures {
  long rss_kib = -1, cpu_ticks = -1;
  std::size_t polls = 0, sqs_requests = 0, imds_requests = 0;
};

// Starts a hookd on an empty queue, lets it settle (start-up and the first poll), then watches it
// for three wait times: its RSS at the end, the CPU it used and the polls it made meanwhile.
idle_figures measure_idle(bench_env& b, const std::string& queue, const std::function<void(proc::command&)>& tweak = {}) {
  b.scenario(queue, 0);
  const auto script = (b.dir / "true.sh").string();
  const int wait = 2;
  bool done = false;
  idle_figures out;
  net::steady_timer probe(b.ioc);
  const auto state = b.dir / ("state-" + queue) / "hookd.lock";
  auto measure = [&]() -> net::awaitable<int> {
    auto cmd = b.hookd(queue, script, wait, false);
    if (tweak) tweak(cmd);
    net::co_spawn(b.ioc, proc::run(cmd, {}, print_log),
                  [&](std::exception_ptr, proc::run_result) { done = true; });
    probe.expires_after(1500ms);
    co_await probe.async_wait(net::use_awaitable);
    pid_t pid = 0;
    std::ifstream(state) >> pid;
    if (pid <= 0) { // never kill(0, ...): that would signal the whole process group (make included)
      std::fprintf(stderr, "idle: no hookd pid in %s\n", state.c_str());
      co_return 1;
    }
    const auto [rss0, ticks0] = proc_rss_and_cpu_ticks(pid);
    const auto polls0 = b.emu->calls("ReceiveMessage").size();
    const auto calls0 = b.emu->calls().size();
    probe.expires_after(std::chrono::seconds(3 * wait));
    co_await probe.async_wait(net::use_awaitable);
    const auto [rss1, ticks1] = proc_rss_and_cpu_ticks(pid);
    out.polls = b.emu->calls("ReceiveMessage").size() - polls0;
    const auto all = b.emu->calls();
    for (auto i = calls0; i < all.size(); ++i) {
      out.sqs_requests += all[i].service == "sqs";
      out.imds_requests += all[i].service == "imds";
    }
    out.rss_kib = rss1;
    out.cpu_ticks = ticks1 - ticks0;
    ::kill(pid, SIGTERM);
    while (!done) {
      probe.expires_after(20ms);
      co_await probe.async_wait(net::use_awaitable);
    }
    co_return 0;
  };
  b.run(measure());
  return out;
}

// The CA stores of a real instance, each with the emulator's test CA added so the TLS handshake
// verifies: this machine's hashed directory (how Debian, Ubuntu, Alpine, SUSE, RHEL 9 and Amazon
// Linux 2023 ship it, read on demand) and its bundle file (all Amazon Linux 2 has, read whole).
std::vector<std::pair<std::string, std::string>> system_ca_stores(const fs::path& dir, const std::string& test_ca) {
  std::vector<std::pair<std::string, std::string>> out;
  const fs::path sys_dir = "/etc/ssl/certs", sys_bundle = "/etc/ssl/certs/ca-certificates.crt";
  if (!fs::is_directory(sys_dir) || !fs::exists(sys_bundle)) {
    out.emplace_back("test CA only (no system CA store here)", "AWS_CA_BUNDLE=" + test_ca);
    return out;
  }
  const auto hashed = dir / "ca-hashed";
  fs::create_directories(hashed);
  int certs = 0;
  for (const auto& e : fs::directory_iterator(sys_dir)) {
    const auto n = e.path().filename().string();
    if (http::is_hash_name(n)) {
      fs::copy_file(e.path(), hashed / n); // follows the symbolic link
      ++certs;
    }
  }
  emulator::add_to_hashed_dir(test_ca, hashed.string()).value();
  const auto bundle = dir / "ca-bundle.pem";
  {
    std::ofstream out_bundle(bundle);
    out_bundle << std::ifstream(sys_bundle).rdbuf() << std::ifstream(test_ca).rdbuf();
  }
  out.emplace_back("hashed CA dir, " + std::to_string(certs) + " CAs", "SSL_CERT_DIR=" + hashed.string());
  out.emplace_back("CA bundle file, " + std::to_string(certs) + " CAs", "AWS_CA_BUNDLE=" + bundle.string());
  return out;
}

} // namespace

// The instance-metadata trigger: a fresh hookd (--trigger imds, polling every second) on instance
// `id`; once it polls, `start` ends the instance (scale-in or a Spot notice). Appends the time
// from that moment, and from the metadata answer that showed it, to the script's exec (ms).
void imds_action(bench_env& b, const std::string& id, const std::function<void()>& start, std::vector<double>& to_exec,
                 std::vector<double>& answer_to_exec) {
  b.scenario(id, 0, id);
  const auto port = b.emu->add_imds_instance(id).value();
  const auto script = (b.dir / ("stamp-" + id)).string();
  fs::copy_file(HOOKD_BENCH_STAMP, script);
  auto c = b.hookd(id, script, 1, true);
  std::erase_if(c.env, [](const std::string& v) { return v.starts_with("AWS_EC2_METADATA_DISABLED=") || v.starts_with("HOOKD_INSTANCE_ID="); });
  c.env.insert(c.env.end(), {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:" + std::to_string(port), "HOOKD_INSTANCE_ID=" + id,
                             "HOOKD_TRIGGER=imds", "HOOKD_IMDS_POLL=1s"});
  sys_time started{};
  net::steady_timer later(b.ioc, 1500ms); // past start-up and the first poll
  later.async_wait([&](auto) { started = std::chrono::system_clock::now(); start(); });
  auto r = b.run(proc::run(c, {}, print_log));
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
net::awaitable<void> scale_in_once_polled(bench_env& b, std::string group, std::size_t calls_before, std::size_t& scaled_at) {
  net::steady_timer t(b.ioc);
  for (;;) {
    const auto all = b.emu->calls();
    if (std::any_of(all.begin() + static_cast<long>(std::min(calls_before, all.size())), all.end(),
                    [](const emulator::recorded_call& c) { return c.operation == "ReceiveMessage"; }))
      break;
    t.expires_after(1ms);
    co_await t.async_wait(net::use_awaitable);
  }
  scaled_at = b.emu->calls().size();
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
  auto scaled_at = before;
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
  const auto receive = std::find_if(mine.begin() + static_cast<long>(scaled_at - before), mine.end(), [](const emulator::recorded_call& c) {
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

std::string spread(std::vector<double> v, const char* unit = " ms", const char* format = "%.2f") {
  if (v.empty()) return "no sample";
  std::sort(v.begin(), v.end());
  const std::string f = std::string(format) + " / " + format + " / " + format + "%s";
  char buf[96];
  std::snprintf(buf, sizeof buf, f.c_str(), v.front(), v[v.size() / 2], v.back(), unit);
  return buf;
}

constexpr int runs = 5;

int main() {
  bench_env b;
  std::printf("hookd agent (%s) against the local emulator (TLS, loopback); figures, not assertions\n",
              std::getenv("HOOKD_BENCH_BINARY") ? std::getenv("HOOKD_BENCH_BINARY") : HOOKD_BINARY);

  // 1. One action, five times: exec -> first ReceiveMessage; notification -> script exec; script
  // exit -> Complete on the wire. Printed as min / median / max: one sample hides noise and
  // regressions alike.
  {
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
  {
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
  {
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

  // 3. Idle: RSS and CPU of a waiting hookd, and how often it polls; once per way of finding the
  // CAs a real instance has (this machine's CA store plus the emulator's test CA).
  const auto stores = system_ca_stores(b.dir, b.pki.ca_cert);
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const auto& [label, ca_env] = stores[i];
    b.ca_env = ca_env;
    const auto r = measure_idle(b, "idle" + std::to_string(i));
    row(("idle RSS, " + label).c_str(), std::to_string(r.rss_kib) + " KiB", "<= 6 MB (6144 KiB)");
    row("  long polls in 3 x wait time", std::to_string(r.polls), "3 (one per wait)");
    row("  CPU ticks used while idle (1 tick = 10 ms)", std::to_string(r.cpu_ticks), "0");
  }

  // 4. Idle with the metadata source only: no SQS at all, four metadata reads per poll.
  {
    const auto port = b.emu->add_imds_instance("i-self").value();
    const auto r = measure_idle(b, "idle-imds", [port](proc::command& c) {
      std::erase_if(c.env, [](const std::string& v) { return v.starts_with("AWS_EC2_METADATA_DISABLED="); });
      c.env.insert(c.env.end(), {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:" + std::to_string(port),
                                 "HOOKD_TRIGGER=imds", "HOOKD_IMDS_POLL=2s"});
    });
    row("idle RSS, --trigger imds", std::to_string(r.rss_kib) + " KiB", "<= 6 MB (6144 KiB)");
    row("  SQS requests in 6 s", std::to_string(r.sqs_requests), "0");
    row("  metadata requests in 6 s (poll 2s)", std::to_string(r.imds_requests), "about 12 (4 paths a poll)");
    row("  CPU ticks used while idle (1 tick = 10 ms)", std::to_string(r.cpu_ticks), "0");
  }
  return 0;
}
