#pragma once
// SPDX-License-Identifier: Apache-2.0
// Randomness for spreading a fleet's calls: 200 agents started, throttled or heartbeating at the
// same moment must not call AWS at the same moment. Not for anything secret.
#include <chrono>

namespace hookd {
/// Uniform in [0, 1), from a per-thread generator seeded once from the OS.
double unit_random();
/// `d` scaled by a uniform factor in [lo, hi].
std::chrono::milliseconds jittered(std::chrono::milliseconds d, double lo, double hi);
} // namespace hookd
