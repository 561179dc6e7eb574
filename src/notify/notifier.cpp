// SPDX-License-Identifier: Apache-2.0
// The lanes (one per destination: a bounded queue and its sender) and the notifier that feeds them.
#include "hookd/notify/notifier.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/retry_loop.hpp"
#include "hookd/notify/document.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

namespace hookd::notify {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

lane::lane(net::any_io_executor ex, std::unique_ptr<destination> d, lane_policy p, logger& log)
    : ex_(ex), dest_(std::move(d)), policy_(p), log_(log), queue_(p.capacity), wake_(ex), ended_(ex) {}

void lane::start() {
  running_ = true;
  net::co_spawn(ex_, run(), net::bind_cancellation_slot(stop_.slot(), [this](std::exception_ptr) {
                  // An exception here is the cancellation close() asked for: nothing to report.
                  running_ = false;
                  ended_.cancel();
                }));
}

void lane::push(delivery d) {
  if (closing_) return;
  if (!queue_.push(std::move(d))) {
    const auto n = queue_.dropped();
    if ((n & (n - 1)) == 0) // the 1st, 2nd, 4th, 8th... drop: a dead endpoint does not flood the log
      log_.warn("notify-dropped", {{"destination", dest_->name()}, {"dropped", std::to_string(n)},
                                   {"what", "its queue is full (the endpoint is slow or down): the oldest notification was dropped"}});
  }
  wake_.cancel();
}

net::awaitable<void> lane::run() {
  // Idle costs nothing: the lane sleeps on a timer that only push() and close() wake.
  while (!stopped_) {
    auto d = queue_.pop();
    if (!d) {
      if (closing_) co_return;
      wake_.expires_at(steady::time_point::max());
      co_await wake_.async_wait(nothrow);
      continue;
    }
    co_await send_one(*d);
  }
}

net::awaitable<void> lane::send_one(const delivery& d) {
  int attempts = 0;
  std::string last;
  auto attempt = [&]() -> net::awaitable<std::string> {
    ++attempts;
    auto r = co_await dest_->deliver(d);
    co_return r ? std::string() : r.error().message();
  };
  const backoff_policy policy{policy_.first_backoff, policy_.max_backoff}; // named: GCC 12 and temporaries in co_await
  auto problem = co_await retry_with_backoff(
      attempt, policy, [&] { return closing_ || stopped_ || attempts >= policy_.max_attempts; },
      [&](int n, const std::string& p, std::chrono::milliseconds wait) {
        log_.debug("notify-retry", {{"destination", dest_->name()}, {"event", d.kind}, {"attempt", std::to_string(n)},
                                    {"problem", p}, {"retry_in", format_duration(wait)}});
      });
  if (problem.empty()) {
    ++delivered_;
    co_return;
  }
  ++failed_;
  log_.warn("notify-failed", {{"destination", dest_->name()}, {"event", d.kind}, {"attempts", std::to_string(attempts)},
                              {"error", problem}, {"what", "this notification is given up; the next ones are still sent"}});
}

void lane::begin_close() {
  closing_ = true; // what is queued is still sent, but a failure is not retried
  wake_.cancel();
}

net::awaitable<void> lane::close(steady::time_point deadline) {
  begin_close();
  while (running_ && steady::now() < deadline) {
    ended_.expires_at(deadline);
    co_await ended_.async_wait(nothrow);
  }
  if (running_) {
    // What is still in flight past the deadline is cut: a stop waits no longer for a notification.
    stopped_ = true;
    stop_.emit(net::cancellation_type::terminal);
    while (running_) {
      ended_.expires_at(steady::time_point::max());
      co_await ended_.async_wait(nothrow);
    }
  }
}

notifier::notifier(net::any_io_executor ex, logger& log, std::string id_prefix, lane_policy p)
    : ex_(std::move(ex)), log_(log), id_prefix_(std::move(id_prefix)), policy_(p) {}

void notifier::add(std::unique_ptr<destination> d) { lanes_.push_back(std::make_unique<lane>(ex_, std::move(d), policy_, log_)); }

void notifier::start() {
  for (auto& l : lanes_) l->start();
}

void notifier::emit(const agent::event& e) noexcept {
  try {
    if (!agent::is_notification(e.kind) || lanes_.empty()) return;
    delivery d{document_json(e, id_prefix_ + "-" + std::to_string(++sequence_), std::chrono::system_clock::now()),
               sns_subject(e), std::string(agent::kind_name(e.kind))};
    for (auto& l : lanes_) l->push(d);
  } catch (...) {
    // A sink never throws into the agent (out of memory is the only way here).
  }
}

net::awaitable<void> notifier::close(std::chrono::milliseconds within) {
  const auto deadline = steady::now() + within;
  for (auto& l : lanes_) l->begin_close();
  for (auto& l : lanes_) co_await l->close(deadline); // one deadline for all: the lanes end together
}

std::map<std::string, std::uint64_t> notifier::counts() const {
  std::map<std::string, std::uint64_t> out{{"delivered", 0}, {"failed", 0}, {"dropped", 0}};
  for (const auto& l : lanes_) {
    out["delivered"] += l->delivered();
    out["failed"] += l->failed();
    out["dropped"] += l->dropped();
  }
  return out;
}

} // namespace hookd::notify
