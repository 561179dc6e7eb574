// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the fleet bench and the soak both need around real hookd processes: a coroutine pause,
// a running hookd's pid (from its lock file) and what /proc says of it.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/types.h>

namespace hookd::test {

inline boost::asio::awaitable<void> pause(std::chrono::milliseconds d) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
  co_await t.async_wait(boost::asio::use_awaitable);
}

/// The pid a running hookd wrote into STATE/hookd.lock (0: none).
inline pid_t hookd_pid(const std::string& state_dir) {
  pid_t pid = 0;
  std::ifstream(state_dir + "/hookd.lock") >> pid;
  return pid;
}

/// A "Name:  N kB" field of /proc/PID/status in KiB (VmRSS:), or -1.
inline long proc_status_kib(pid_t pid, const char* field) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(st, line);)
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  return -1;
}

} // namespace hookd::test
