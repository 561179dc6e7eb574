// SPDX-License-Identifier: Apache-2.0
#include "bounded.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"
#include "hookd/aws/autoscaling.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <memory>

namespace hookd::drain {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
// Both sides accept total cancellation (a stop of hookd) as well as the terminal one `||` emits
// at the loser, and neither throws when cancelled: `||` waits for one *success*, so a side that
// threw would leave the race waiting on the other.
net::awaitable<void> settle_cancellation() {
  co_await net::this_coro::reset_cancellation_state(net::enable_total_cancellation());
  co_await net::this_coro::throw_if_cancelled(false);
}

net::awaitable<result> body_side(drain_body body, std::shared_ptr<progress> p) {
  co_await settle_cancellation();
  try {
    co_return co_await body(*p);
  } catch (const std::exception& e) {
    co_return result{kind::elbv2, status::failed, p->count, std::string("drain stopped by an internal error: ") + e.what(), {}};
  }
}

net::awaitable<result> deadline_side(steady::time_point deadline, std::shared_ptr<progress> p) {
  co_await settle_cancellation();
  net::steady_timer t(co_await net::this_coro::executor, deadline);
  auto [ec] = co_await t.async_wait(nothrow);
  if (ec) // cancelled before the deadline: hookd is stopping (or the body won and this is moot)
    co_return result{kind::elbv2, status::failed, p->count, "cancelled while " + p->stage + " (hookd is stopping)", {}};
  co_return result{kind::elbv2, status::timeout, p->count,
                   "the drain's deadline passed while " + p->stage + "; raise --drain-timeout if it needs longer", {}};
}
} // namespace

net::awaitable<result> run_bounded(kind k, drain_body body, steady::time_point deadline) {
  using namespace net::experimental::awaitable_operators;
  const auto start = steady::now();
  auto p = std::make_shared<progress>();
  p->stage = "starting";
  // Named first: GCC 12 destroys braced temporaries inside a co_await expression twice.
  auto work = body_side(std::move(body), p);
  auto limit = deadline_side(deadline, p);
  auto raced = co_await (std::move(work) || std::move(limit));
  result r = raced.index() == 0 ? std::get<0>(std::move(raced)) : std::get<1>(std::move(raced));
  r.what = k;
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
  co_return r;
}

net::awaitable<bool> cancelled() {
  const auto state = co_await net::this_coro::cancellation_state;
  co_return state.cancelled() != net::cancellation_type::none;
}

net::awaitable<bool> exact_pause(std::chrono::milliseconds d) {
  if (co_await cancelled()) co_return false;
  net::steady_timer t(co_await net::this_coro::executor, d);
  auto [ec] = co_await t.async_wait(nothrow);
  co_return !ec && !(co_await cancelled());
}

net::awaitable<bool> jittered_pause(std::chrono::milliseconds d) { co_return co_await exact_pause(jittered(d, 0.8, 1.2)); }

bool throttled(const error& e) { return aws::is_throttling(e); }

std::string with_permission_fix(const error& e, const std::string& action) {
  auto line = e.message();
  if (aws::is_access_denied(e)) line += "; allow " + action + " to the instance role (deploy/iam-policy-drains.json)";
  return line;
}

} // namespace hookd::drain
