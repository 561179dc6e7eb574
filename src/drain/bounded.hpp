#pragma once
// SPDX-License-Identifier: Apache-2.0
// Internal to src/drain: a drain's body raced against its deadline and against cancellation,
// written once for every kind. The body reports progress as it goes, so a drain cut short still
// says how much it did.
#include "hookd/core/error.hpp"
#include "hookd/core/log.hpp"
#include "hookd/drain/result.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace hookd::drain {

struct progress {
  int count = 0;     ///< what the body has drained so far (deregistrations, tasks)
  std::string stage; ///< what it is doing: the timeout's reason names it
};

using drain_body = std::function<boost::asio::awaitable<result>(progress&)>;

/// Runs `body` until it returns, `deadline` passes (status timeout), or the caller cancels
/// (status failed, reason "cancelled"). Never throws: an exception from the body (a bug) is a
/// failed result. The body is cancelled when the deadline wins; its AWS calls then return
/// `cancelled` and are not retried.
boost::asio::awaitable<result> run_bounded(kind k, drain_body body, std::chrono::steady_clock::time_point deadline);

/// An AWS error's line for the log, with the fix when the instance role lacks `action`
/// ("ecs:UpdateContainerInstancesState"): one wording, naming the drains' own policy file.
std::string with_permission_fix(const error& e, const std::string& action);

/// A drainer class (constructed from client, request, log and progress; `run()` its body) run
/// under `req.deadline`: each kind's entry point, written once.
template <class Drainer, class Client, class Request>
boost::asio::awaitable<result> run_drainer(kind k, Client& client, const Request& req, logger& log) {
  drain_body body = [&](progress& p) -> boost::asio::awaitable<result> {
    Drainer d(client, req, log, p);
    co_return co_await d.run();
  };
  co_return co_await run_bounded(k, std::move(body), req.deadline);
}

/// Waits `d`, jittered by ±20% so that a fleet draining together does not poll together. False
/// when the drain is cancelled (before or during the wait): a body must then return, since a
/// cancelled coroutine that does not throw would otherwise go on polling.
boost::asio::awaitable<bool> jittered_pause(std::chrono::milliseconds d);

/// Waits exactly `d` (no jitter: for a wait that ends at a fixed time). False as jittered_pause.
boost::asio::awaitable<bool> exact_pause(std::chrono::milliseconds d);

/// The body was cancelled (the deadline won, or hookd is stopping).
boost::asio::awaitable<bool> cancelled();

/// Whether an AWS error asks to slow down (aws::is_throttling; here so the template below needs
/// no client header).
bool throttled(const error& e);

/// An AWS call of a drain, sent again while it is throttled: once the caller's own three attempts
/// are spent on throttling, it waits a jittered backoff (1 s, doubling to 20 s) and goes again,
/// until it is answered, fails for another reason, or the drain is cancelled (its deadline, or a
/// stop); then the last answer is returned. So a fleet draining at once slows to the account's
/// rate instead of failing its drains, and the deadline still bounds every drain. `call` returns
/// the client's awaitable: every argument it passes must outlive it (no temporaries, no default
/// arguments, which die with the lambda's return statement).
template <class Call>
auto while_throttled(Call call) -> decltype(call()) {
  std::chrono::milliseconds backoff{1000};
  for (;;) {
    auto r = co_await call();
    if (r || !throttled(r.error())) co_return r;
    if (!co_await jittered_pause(backoff)) co_return r;
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(20));
  }
}

} // namespace hookd::drain
