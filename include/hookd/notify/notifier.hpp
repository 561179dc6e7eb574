#pragma once
// SPDX-License-Identifier: Apache-2.0
// Delivers notification documents to webhooks and SNS. Each destination has a lane of its own:
// a bounded queue (drop-oldest, counted) and one coroutine that sends its items in order, each
// attempt bounded by the notify timeout and retried with jittered doubling backoff. A slow or
// dead destination therefore delays neither the others nor the agent: emit() only renders the
// document and queues it.
//
// Contract: single-threaded, on the loop's executor. start() spawns the lanes; close(within)
// lets them send what is queued for at most `within`, then cancels what is still in flight and
// returns once every lane has ended. Nothing is logged of a destination but its origin (a
// webhook URL's path and query, and header values, are secrets); SNS topics are named by ARN.
#include "hookd/agent/events.hpp"
#include "hookd/aws/sns.hpp"
#include "hookd/config/notify_settings.hpp"
#include "hookd/core/log.hpp"
#include "hookd/http/client.hpp"
#include "hookd/notify/drop_oldest.hpp"
#include "hookd/notify/target.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>

namespace hookd::notify {

/// One queued delivery: the document, SNS's subject, and the event's kind (for log lines).
struct delivery {
  std::string document, subject, kind;
};

/// Where documents go. `deliver` never throws; its error names the destination by `name()` only.
class destination {
public:
  virtual ~destination() = default;
  virtual const std::string& name() const = 0;
  virtual boost::asio::awaitable<outcome<void>> deliver(const delivery& d) = 0;
};

/// POST to a webhook, with the configured headers, through hookd's HTTP client (its CA settings
/// and proxy). Any 2xx is delivered.
std::unique_ptr<destination> webhook(http::client& http, webhook_target t, std::vector<header> headers,
                                     std::chrono::milliseconds timeout);
/// SNS Publish of the document to `topic`.
std::unique_ptr<destination> sns_topic(aws::sns_client& sns, std::string topic, std::chrono::milliseconds timeout);

struct lane_policy {
  std::size_t capacity = 100; ///< queued documents per destination; past it the oldest is dropped
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{std::chrono::seconds(1)}, max_backoff{std::chrono::seconds(30)};
};

/// One destination's queue and sender.
class lane {
public:
  lane(boost::asio::any_io_executor ex, std::unique_ptr<destination> d, lane_policy p, logger& log);
  void start();
  void push(delivery d);
  /// From now on nothing more is queued and a failed delivery is not retried.
  void begin_close();
  boost::asio::awaitable<void> close(std::chrono::steady_clock::time_point deadline);
  std::uint64_t delivered() const noexcept { return delivered_; }
  std::uint64_t failed() const noexcept { return failed_; }
  std::uint64_t dropped() const noexcept { return queue_.dropped(); }
  const std::string& name() const { return dest_->name(); }

private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> send_one(const delivery& d);
  boost::asio::any_io_executor ex_;
  std::unique_ptr<destination> dest_;
  lane_policy policy_;
  logger& log_;
  drop_oldest_queue<delivery> queue_;
  boost::asio::steady_timer wake_, ended_;
  boost::asio::cancellation_signal stop_;
  bool running_ = false, closing_ = false, stopped_ = false;
  std::uint64_t delivered_ = 0, failed_ = 0;
};

class notifier final : public agent::event_sink {
public:
  /// `id_prefix`: what makes the documents' ids unique across restarts (instance and start time).
  notifier(boost::asio::any_io_executor ex, logger& log, std::string id_prefix, lane_policy p = {});
  void add(std::unique_ptr<destination> d);
  bool empty() const noexcept { return lanes_.empty(); }
  void start();
  void emit(const agent::event& e) noexcept override;
  boost::asio::awaitable<void> close(std::chrono::milliseconds within);
  /// delivered / failed / dropped, summed over the destinations (for the metrics file).
  std::map<std::string, std::uint64_t> counts() const;

private:
  boost::asio::any_io_executor ex_;
  logger& log_;
  std::string id_prefix_;
  lane_policy policy_;
  std::vector<std::unique_ptr<lane>> lanes_;
  std::uint64_t sequence_ = 0;
};

/// The notifier the settings ask for, its lanes' backoff starting at `backoff`; null when there
/// is no destination. `sns` is needed only with a topic.
outcome<std::unique_ptr<notifier>> make_notifier(boost::asio::any_io_executor ex, const config::notify_settings& s,
                                                 http::client& http, aws::sns_client* sns, logger& log,
                                                 std::string id_prefix, std::chrono::milliseconds backoff);

} // namespace hookd::notify
