// SPDX-License-Identifier: Apache-2.0
// An idle hookd: the CPU it uses per hour while nothing happens, for each trigger at its defaults
// (a 20 s long poll, a 5 s metadata poll), and its resident memory with each kind of CA store.
// Five hookds of each kind idle side by side for one measured minute (HOOKD_BENCH_IDLE_SECONDS
// changes it), so the whole table takes one minute, not fifteen. CPU time is read from
// /proc/PID/schedstat (ns on a CPU): unlike wall time it does not grow when the machine is busy.
#include "agent_bench.hpp"

#include "hookd/http/tls.hpp"

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sys/stat.h>

namespace hookd::bench {
using namespace std::chrono_literals;

namespace {

struct idle_kind {
  std::string trigger, store, ca_env, target_cpu; ///< target_cpu empty: measured for its memory only
  std::string binary;                             ///< another hookd than the one under test (or empty)
};

struct idle_hookd {
  const idle_kind* kind = nullptr;
  fs::path state;
  pid_t pid = 0;
  long long cpu0 = -1;
  std::shared_ptr<const bool> exited = std::make_shared<bool>(false);
};

// The CA stores of a real instance, each with the emulator's test CA added so the TLS handshake
// verifies: this machine's hashed directory (how Debian, Ubuntu, Alpine, SUSE, RHEL 9 and Amazon
// Linux 2023 ship it, read on demand) and its bundle file (all Amazon Linux 2 has, read whole).
// Empty when this machine has no CA store: the test CA alone is used then.
std::vector<std::pair<std::string, std::string>> system_ca_stores(const fs::path& dir, const std::string& test_ca) {
  const fs::path sys_dir = "/etc/ssl/certs", sys_bundle = "/etc/ssl/certs/ca-certificates.crt";
  if (!fs::is_directory(sys_dir) || !fs::exists(sys_bundle)) return {};
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
  return {{"hashed CA dir, " + std::to_string(certs) + " CAs", "SSL_CERT_DIR=" + hashed.string()},
          {"CA bundle file, " + std::to_string(certs) + " CAs", "AWS_CA_BUNDLE=" + bundle.string()}};
}

// The kinds measured: each trigger with the hashed CA directory (the common case), and the queue
// with the bundle file, for its memory.
std::vector<idle_kind> idle_kinds(bench_env& b) {
  auto stores = system_ca_stores(b.dir, b.pki.ca_cert);
  if (stores.empty()) stores = {{"test CA only (no system CA store here)", b.ca_env}};
  std::vector<idle_kind> kinds{{"queue", stores[0].first, stores[0].second, "<= 100 ms/h", ""},
                               {"imds", stores[0].first, stores[0].second, "<= 300 ms/h", ""},
                               {"queue,imds", stores[0].first, stores[0].second, "<= 400 ms/h (the two)", ""}};
  if (stores.size() > 1) kinds.push_back({"queue", stores[1].first, stores[1].second, "", ""});
  // The same hookd linked without cmake/hookd-hot-text.ld (make bench builds it beside).
  if (const char* plain = std::getenv("HOOKD_BENCH_NO_HOT_TEXT"); plain && *plain)
    kinds.push_back({"queue", stores[0].first + ", without the hot-code list", stores[0].second, "", plain});
  return kinds;
}

// A binary written a moment before (by the build, strip or cp) sits in the page cache in the
// large pieces it was written in, and the kernel maps them whole: up to 0.7 MB more RSS than the
// same file read from disk, as at boot (README, Known limits). Its pages are written back and
// dropped from the cache first, so every run reads it as a booting instance does.
void evict_from_page_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

void start_idle(bench_env& b, const idle_kind& k, std::size_t n, idle_hookd& h) {
  const auto name = "idle" + std::to_string(n);
  b.scenario(name, 0, "i-" + name);
  const auto script = (b.dir / "true.sh").string();
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ::chmod(script.c_str(), 0755);
  const auto saved = b.ca_env;
  b.ca_env = k.ca_env;
  auto c = b.hookd(name, script, 20, false);
  b.ca_env = saved;
  std::erase_if(c.env, [](const std::string& v) { return v.starts_with("HOOKD_INSTANCE_ID="); });
  c.env.push_back("HOOKD_INSTANCE_ID=i-" + name);
  if (k.trigger != "queue") b.use_imds(c, "i-" + name, k.trigger);
  if (!k.binary.empty()) c.path = k.binary;
  h.kind = &k;
  h.state = b.dir / ("state-" + name);
  h.exited = b.start(c);
}

} // namespace

void bench_idle(bench_env& b) {
  const auto kinds = idle_kinds(b);
  evict_from_page_cache(hookd_binary());
  for (const auto& k : kinds)
    if (!k.binary.empty()) evict_from_page_cache(k.binary);
  std::vector<idle_hookd> hookds(kinds.size() * runs);
  for (std::size_t i = 0; i < hookds.size(); ++i) start_idle(b, kinds[i / runs], i, hookds[i]);
  // Start-up, the first polls and their reports are over after a few seconds; what follows is idle.
  b.pause(8s);
  for (auto& h : hookds) {
    h.pid = hookd_pid(h.state);
    h.cpu0 = h.pid ? cpu_ns(h.pid) : -1;
  }
  const char* secs = std::getenv("HOOKD_BENCH_IDLE_SECONDS");
  const auto idle = std::chrono::seconds(secs ? std::atoi(secs) : 60);
  b.pause(idle);
  std::map<const idle_kind*, std::pair<std::vector<double>, std::vector<double>>> figures; // CPU ms/h, RSS KiB
  for (auto& h : hookds) {
    if (!h.pid || h.cpu0 < 0) continue;
    const auto used = static_cast<double>(cpu_ns(h.pid) - h.cpu0) / 1e6;
    figures[h.kind].first.push_back(used * 3600.0 / static_cast<double>(idle.count()));
    figures[h.kind].second.push_back(static_cast<double>(rss_kib(h.pid)));
    ::kill(h.pid, SIGTERM);
  }
  for (const auto& k : kinds) {
    const auto& [cpu, rss] = figures[&k];
    if (!k.target_cpu.empty()) row("idle CPU per hour, --trigger " + k.trigger, spread(cpu, " ms/h", "%.0f"), k.target_cpu);
    row("  idle RSS, --trigger " + k.trigger + ", " + k.store, spread(rss, " KiB", "%.0f"), "<= 6 MB (6144 KiB)");
  }
  std::printf("  (CPU from /proc/PID/schedstat over %lld s of idle, times %lld for an hour)\n",
              static_cast<long long>(idle.count()), 3600LL / idle.count());
  for (int i = 0; i < 250 && !std::all_of(hookds.begin(), hookds.end(), [](const idle_hookd& h) { return *h.exited || !h.pid; }); ++i)
    b.pause(20ms);
}

} // namespace hookd::bench
