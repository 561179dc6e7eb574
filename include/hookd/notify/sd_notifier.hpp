#pragma once
// SPDX-License-Identifier: Apache-2.0
// Talks to systemd over $NOTIFY_SOCKET (an AF_UNIX datagram socket, path or abstract): READY=1,
// STATUS= on each phase change, STOPPING=1, and WATCHDOG=1 every WATCHDOG_USEC/2 from the event
// loop itself, so a loop that freezes stops the pings and systemd restarts hookd.
//
// Contract: single-threaded, on the loop's executor. Sends are non-blocking datagrams: one that
// cannot go at once (systemd's queue full) is dropped, never waited for. STATUS= goes at once for
// the few changes of one action (a burst of `status_burst`), then at most once per
// `status_spacing`; a change held back is sent when its turn comes (the latest only).
// Without the watchdog no timer runs while nothing changes. close() cancels the timers; the
// object must outlive the coroutines it started until the loop has run them out.
#include "hookd/agent/events.hpp"
#include "hookd/core/log.hpp"
#include "hookd/notify/sd_notify.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace hookd::notify {

class sd_notifier final : public agent::event_sink {
public:
  /// One action's phases (received, script, completing, idle) each reach systemd at once; beyond
  /// this many in a row, a flood of actions must not flood systemd: one STATUS= per spacing.
  static constexpr int status_burst = 6;
  static constexpr std::chrono::seconds status_spacing{1};

  /// Null when NOTIFY_SOCKET is unset: then nothing of this runs. An error names the variable.
  static outcome<std::unique_ptr<sd_notifier>> from_env(boost::asio::any_io_executor ex, const env_lookup& env, long self,
                                                        logger& log);
  sd_notifier(boost::asio::any_io_executor ex, std::string socket_path, std::optional<std::chrono::microseconds> watchdog,
              logger& log);
  ~sd_notifier() override;

  /// Starts the watchdog pings (when WATCHDOG_USEC is ours).
  void start();
  void emit(const agent::event& e) noexcept override;
  /// Stops the timers (the last datagram, STOPPING=1, went with the `stopping` event).
  void close();

  bool watchdog_on() const noexcept { return watchdog_.has_value(); }

private:
  void send(bool ready, bool stopping, bool watchdog, bool with_status);
  void status_changed();
  std::string current_status() const;
  void arm_watchdog();

  boost::asio::local::datagram_protocol::socket socket_;
  boost::asio::local::datagram_protocol::endpoint peer_;
  std::optional<std::chrono::microseconds> watchdog_;
  logger& log_;
  boost::asio::steady_timer ping_, status_timer_;
  phase phase_;
  std::chrono::steady_clock::time_point phase_since_{std::chrono::steady_clock::now()};
  std::chrono::steady_clock::time_point status_sent_{};
  double status_tokens_ = status_burst; ///< STATUS= datagrams that may go at once; one more per spacing
  std::chrono::steady_clock::time_point tokens_at_{std::chrono::steady_clock::now()}; ///< when they were counted
  /// The STATUS= datagrams that may go now (refilled for the time since they were last counted).
  double status_tokens();
  std::string last_status_;
  bool status_pending_ = false, ready_sent_ = false, closed_ = false, send_failed_logged_ = false;
};

} // namespace hookd::notify
