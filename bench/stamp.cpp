// SPDX-License-Identifier: Apache-2.0
// The script the agent benchmark runs: a static program that writes the wall-clock time of its
// start and of its exit (nanoseconds) beside itself, as <path>.start and <path>.end. A shell
// script calling `date` would add two fork/execs and a dynamic loader to every figure, so the
// numbers would measure /bin/sh rather than hookd. Named *-100ms, it runs 100 ms before its exit,
// as a real script would, so its exit no longer meets the work an action's start set going.
#include <cstdio>
#include <ctime>
#include <string>

namespace {
long long now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

bool write_stamp(const std::string& path, long long ns) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  std::fprintf(f, "%lld\n", ns);
  return std::fclose(f) == 0;
}
} // namespace

int main(int, char** argv) {
  const long long start = now_ns();
  const std::string self = argv[0];
  if (!write_stamp(self + ".start", start)) return 2;
  if (self.ends_with("-100ms")) {
    const timespec busy{0, 100'000'000};
    ::nanosleep(&busy, nullptr);
  }
  return write_stamp(self + ".end", now_ns()) ? 0 : 2;
}
