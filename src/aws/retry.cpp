// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/retry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace hookd::aws {

outcome<retry_config> retry_config_from_env(const env_lookup& env) {
  retry_config cfg;
  if (auto v = env("AWS_MAX_ATTEMPTS")) {
    int n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || p != v->data() + v->size() || n < 1 || n > 20)
      return make_error(errc::invalid_input,
                        "AWS_MAX_ATTEMPTS='" + *v + "' is invalid: use a whole number of attempts from 1 to 20");
    cfg.max_attempts = n;
  }
  return cfg;
}

std::chrono::milliseconds backoff_delay(int attempt, const retry_config& cfg,
                                        const std::function<double()>& unit_random) {
  const double exp = std::ldexp(double(cfg.base.count()), std::clamp(attempt - 1, 0, 30));
  const double ceiling = std::min(exp, double(cfg.max_backoff.count()));
  const double r = std::clamp(unit_random(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(r * ceiling));
}

bool retry_token_bucket::try_acquire(bool timeout) {
  const int cost = timeout ? timeout_retry_cost : retry_cost;
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

void retry_token_bucket::on_success(int acquired_cost) {
  tokens_ = std::min(initial_tokens, tokens_ + (acquired_cost > 0 ? acquired_cost : success_refund));
}

} // namespace hookd::aws
