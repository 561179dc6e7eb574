#pragma once
// SPDX-License-Identifier: Apache-2.0
// The queue's first ReceiveMessage, sent at start-up beside the look-up of the group's hooks
// rather than after it: the first poll does not wait for DescribeLifecycleHooks' handshake and
// round trip. Its messages are decided only once the hooks are known (the queue source takes the
// answer as its first batch). A batch that waited longer than half the receive's hold for that is
// dropped undecided: its messages come back when the hold ends, for this agent or another,
// whereas deciding them so late could keep or delete a message by a receipt that had lapsed.
#include "hookd/aws/sqs.hpp"
#include "hookd/core/log.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace hookd::agent {

class first_receive {
public:
  using batch = outcome<std::vector<aws::sqs_message>>;

  /// Sends the receive at once: the queue source's own long poll (queue_source::poll).
  first_receive(boost::asio::any_io_executor ex, aws::sqs_client& sqs, logger& log, int wait_seconds);
  first_receive(const first_receive&) = delete;
  first_receive& operator=(const first_receive&) = delete;

  /// Waits for the answer: nullopt when there is nothing to decide (the receive was stopped, or
  /// its batch waited too long: dropped, and logged with why). Cancelled through the
  /// caller's slot, it stops the receive and returns once that has ended, so that nothing of it
  /// is left running on the client.
  boost::asio::awaitable<std::optional<batch>> take();

  /// Stops a receive nobody will take, and returns once it has ended.
  boost::asio::awaitable<void> close();

private:
  void cancel();
  boost::asio::awaitable<void> wait_for_answer();

  logger& log_;
  std::optional<batch> answer_;
  std::chrono::steady_clock::time_point answered_at_{};
  bool ended_ = false, stop_requested_ = false;
  boost::asio::steady_timer ended_signal_; ///< never expires: cancelled when the receive ends
  boost::asio::cancellation_signal stop_;
};

} // namespace hookd::agent
