#pragma once
// SPDX-License-Identifier: Apache-2.0
// The SDKs' "standard" retry mode as pure parts: attempts, full-jitter exponential backoff capped
// at 20 s, and the retry token bucket that keeps a dead endpoint from multiplying traffic
// (aws-sdk-go-v2 retry/standard.go: 500 tokens, 5 per retry, 10 per timeout retry, +1 per success).
#include "hookd/aws/error.hpp"
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"

#include <chrono>
#include <functional>

namespace hookd::aws {

struct retry_config {
  int max_attempts = 3;
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds max_backoff{20000};
};

/// `AWS_MAX_ATTEMPTS` (1-20) over the defaults; an invalid value is an error naming it.
outcome<retry_config> retry_config_from_env(const env_lookup& env);

/// Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. `unit_random` returns [0,1).
std::chrono::milliseconds backoff_delay(int attempt, const retry_config& cfg, const std::function<double()>& unit_random);

class retry_token_bucket {
public:
  static constexpr int initial_tokens = 500;
  static constexpr int retry_cost = 5;
  static constexpr int timeout_retry_cost = 10;
  static constexpr int success_refund = 1;

  /// Takes the cost of one retry; false (and nothing taken) when the bucket cannot pay: do not retry.
  bool try_acquire(bool timeout);
  /// A successful attempt: refunds what its retry took, or one token for a first-try success.
  void on_success(int acquired_cost);
  int tokens() const noexcept { return tokens_; }

private:
  int tokens_ = initial_tokens;
};

} // namespace hookd::aws
