// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/first_receive.hpp"

#include "hookd/agent/agent.hpp"
#include "hookd/agent/queue_source.hpp"
#include "hookd/core/async.hpp"
#include "hookd/core/time.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

namespace {
// Past this, the receive's hold may lapse before the batch's releases and extensions are answered.
constexpr std::chrono::milliseconds max_age{queue_source::receive_hold_seconds * 1000 / 2};
} // namespace

first_receive::first_receive(net::any_io_executor ex, aws::sqs_client& sqs, logger& log, int wait_seconds)
    : log_(log), ended_signal_(ex, steady::time_point::max()) {
  auto receive = [this, &sqs, wait_seconds]() -> net::awaitable<void> {
    auto r = co_await queue_source::poll(sqs, wait_seconds);
    answered_at_ = steady::now();
    answer_ = std::move(r);
  };
  // Cancelled, the receive ends with an exception_ptr and no answer: take() reports it so.
  net::co_spawn(ex, std::move(receive), net::bind_cancellation_slot(stop_.slot(), [this](std::exception_ptr e) {
                  if (e && !stop_requested_) log_escaped(log_, e, "first receive");
                  ended_ = true;
                  ended_signal_.cancel();
                }));
}

void first_receive::cancel() {
  stop_requested_ = true;
  stop_.emit(net::cancellation_type::terminal);
}

net::awaitable<void> first_receive::wait_for_answer() {
  while (!ended_) co_await ended_signal_.async_wait(nothrow);
}

net::awaitable<void> first_receive::close() {
  cancel();
  co_await wait_for_answer();
}

net::awaitable<std::optional<first_receive::batch>> first_receive::take() {
  if (!ended_) co_await ended_signal_.async_wait(nothrow); // the answer, or the caller's cancellation
  if (!ended_) {
    // The caller stopped waiting (hookd is stopping): the receive is stopped too, and awaited, so
    // that nothing of it is left on the client.
    co_await net::this_coro::reset_cancellation_state();
    co_await close();
    co_return std::nullopt;
  }
  if (!answer_) co_return std::nullopt;
  const auto age = steady::now() - answered_at_;
  if (*answer_ && !answer_->value().empty() && age > max_age) {
    log_.warn("first-batch-dropped",
              {{"messages", std::to_string(answer_->value().size())},
               {"waited", format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(age))},
               {"what", "the group's hooks were read too late to decide them safely; they come back when their hold ends"}});
    co_return std::nullopt;
  }
  co_return std::move(answer_);
}

} // namespace hookd::agent
