#pragma once
// SPDX-License-Identifier: Apache-2.0
// The start-up retry loop, written once: an instance can boot before its IAM role has propagated
// or before IMDS answers, and that must be a wait with backoff, never a crash loop. The waits are
// jittered and doubling, so a fleet booting together does not retry together.
#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace hookd {

struct backoff_policy {
  std::chrono::milliseconds first{std::chrono::seconds(5)};
  std::chrono::milliseconds cap{std::chrono::minutes(5)};
};

/// Calls `attempt` until it reports no problem (an empty string). Between attempts it calls
/// `on_retry(attempt number, problem, wait)` and waits. Returns the last problem when `give_up()`
/// says stop (checked before and after each wait), else an empty string.
inline boost::asio::awaitable<std::string> retry_with_backoff(
    std::function<boost::asio::awaitable<std::string>()> attempt, backoff_policy policy, std::function<bool()> give_up,
    std::function<void(int, const std::string&, std::chrono::milliseconds)> on_retry) {
  auto ex = co_await boost::asio::this_coro::executor;
  auto backoff = policy.first;
  for (int n = 1;; ++n) {
    auto problem = co_await attempt();
    if (problem.empty()) co_return problem;
    if (give_up()) co_return problem;
    const auto wait = jittered(backoff, 0.5, 1.0);
    on_retry(n, problem, wait);
    boost::asio::steady_timer t(ex, wait);
    co_await t.async_wait(nothrow);
    if (give_up()) co_return problem;
    backoff = std::min(backoff * 2, policy.cap);
  }
}

} // namespace hookd
