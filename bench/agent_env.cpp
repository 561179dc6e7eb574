// SPDX-License-Identifier: Apache-2.0
// The agent bench's shared parts (agent_bench.hpp).
#include "agent_bench.hpp"

#include "hookd/proc/supervisor.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace hookd::bench {
namespace net = boost::asio;
using namespace std::chrono_literals;

bench_env::bench_env() {
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

bench_env::~bench_env() {
  emu->stop();
  fs::remove_all(dir);
}

void bench_env::scenario(const std::string& name, int foreign, const std::string& self) {
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

proc::command bench_env::hookd(const std::string& queue, const std::string& script, int wait, bool once) {
  proc::command c;
  c.path = hookd_binary();
  if (once) c.args = {"--once"};
  // SQS and Auto Scaling are two origins in AWS, so hookd keeps their connections apart; the
  // emulator serves both, so Auto Scaling is named by host name (its certificate has both).
  auto asg_url = emu->url();
  asg_url.replace(asg_url.find("127.0.0.1"), 9, "localhost");
  const char* level = std::getenv("HOOKD_BENCH_LOG");
  c.env = {"PATH=/usr/bin:/bin", "AWS_ENDPOINT_URL=" + emu->url(), "AWS_ENDPOINT_URL_AUTO_SCALING=" + asg_url, ca_env,
           "AWS_ACCESS_KEY_ID=AKIDBENCH", "AWS_SECRET_ACCESS_KEY=bench-secret", "AWS_REGION=us-east-1",
           "AWS_EC2_METADATA_DISABLED=true", "HOOKD_CONFIG=/dev/null", "HOOKD_QUEUE_URL=" + emu->queue_url(queue),
           "HOOKD_INSTANCE_ID=i-self", "HOOKD_GROUP=" + queue, "HOOKD_STATE_DIR=" + (dir / ("state-" + queue)).string(),
           "HOOKD_ON_TERMINATE=" + script, "HOOKD_WAIT_TIME=" + std::to_string(wait),
           std::string("HOOKD_LOG_LEVEL=") + (level ? level : "warn")};
  return c;
}

void bench_env::use_imds(proc::command& c, const std::string& instance, const std::string& trigger, const std::string& poll) {
  const auto port = emu->add_imds_instance(instance).value();
  std::erase_if(c.env, [](const std::string& v) {
    return v.starts_with("AWS_EC2_METADATA_DISABLED=") || v.starts_with("HOOKD_INSTANCE_ID=");
  });
  c.env.insert(c.env.end(), {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:" + std::to_string(port),
                             "HOOKD_INSTANCE_ID=" + instance, "HOOKD_TRIGGER=" + trigger});
  if (!poll.empty()) c.env.push_back("HOOKD_IMDS_POLL=" + poll);
}

void bench_env::pause(std::chrono::milliseconds d) {
  ioc.restart();
  ioc.run_for(d);
}

std::shared_ptr<const bool> bench_env::start(const proc::command& c) {
  auto done = std::make_shared<bool>(false);
  net::co_spawn(ioc, proc::run(c, {}, print_log), [done](std::exception_ptr, proc::run_result) { *done = true; });
  return done;
}

std::string hookd_binary() {
  const char* other = std::getenv("HOOKD_BENCH_BINARY");
  return other && *other ? other : HOOKD_BINARY;
}

long long read_ns(const fs::path& p) {
  std::ifstream in(p);
  long long v = 0;
  in >> v;
  return v;
}

long long ns_since_epoch(sys_time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

sys_time to_sys(std::chrono::steady_clock::time_point t) {
  const auto offset = std::chrono::system_clock::now().time_since_epoch() - std::chrono::steady_clock::now().time_since_epoch();
  return sys_time(std::chrono::duration_cast<sys_time::duration>(t.time_since_epoch() + offset));
}

long long cpu_ns(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
  long long ns = -1;
  in >> ns;
  return in ? ns : -1;
}

long rss_kib(pid_t pid) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(st, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

pid_t hookd_pid(const fs::path& state_dir) {
  pid_t pid = 0;
  std::ifstream(state_dir / "hookd.lock") >> pid;
  return pid > 0 ? pid : 0;
}

void print_log(std::string_view, std::string_view line, bool) {
  if (std::getenv("HOOKD_BENCH_LOG")) std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
}

void row(const std::string& what, const std::string& value, const std::string& target) {
  std::printf("  %-52s %-32s target %s\n", what.c_str(), value.c_str(), target.c_str());
  std::fflush(stdout);
}

std::string spread(std::vector<double> v, const char* unit, const char* format) {
  if (v.empty()) return "no sample";
  std::sort(v.begin(), v.end());
  const std::string f = std::string(format) + " / " + format + " / " + format + "%s";
  char buf[96];
  std::snprintf(buf, sizeof buf, f.c_str(), v.front(), v[v.size() / 2], v.back(), unit);
  return buf;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace hookd::bench
