// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/jitter.hpp"

#include <random>

namespace hookd {
double unit_random() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

std::chrono::milliseconds jittered(std::chrono::milliseconds d, double lo, double hi) {
  const double f = lo + (hi - lo) * unit_random();
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(d.count()) * f));
}
} // namespace hookd
