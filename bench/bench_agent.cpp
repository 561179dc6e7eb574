// SPDX-License-Identifier: Apache-2.0
// hookd's agent against the emulator, measured from outside: the real binary, a real TLS
// emulator, real scripts. Prints each figure beside its target (issues #5 and #28); asserts
// nothing. HOOKD_BENCH_ONLY=actions,floor,idle runs some of the parts.
#include "agent_bench.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

int main() {
  using namespace hookd::bench;
  bench_env b;
  std::printf("hookd agent (%s) against the local emulator (TLS, loopback); min / median / max of %d runs\n",
              hookd_binary().c_str(), runs);
  const std::string only = std::getenv("HOOKD_BENCH_ONLY") ? std::getenv("HOOKD_BENCH_ONLY") : "actions,floor,idle";
  if (only.find("actions") != std::string::npos) bench_actions(b);
  if (only.find("floor") != std::string::npos) bench_floor(b);
  if (only.find("idle") != std::string::npos) bench_idle(b);
  return 0;
}
