// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/sd_notifier.hpp"

#include <boost/asio/buffer.hpp>

namespace hookd::notify {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

outcome<std::unique_ptr<sd_notifier>> sd_notifier::from_env(net::any_io_executor ex, const env_lookup& env, long self,
                                                            logger& log) {
  auto path = notify_socket_path(env);
  if (!path) return path.error();
  if (!*path) return std::unique_ptr<sd_notifier>{};
  return std::make_unique<sd_notifier>(std::move(ex), std::move(**path), watchdog_period(env, self), log);
}

sd_notifier::sd_notifier(net::any_io_executor ex, std::string socket_path, std::optional<std::chrono::microseconds> watchdog,
                         logger& log)
    : socket_(ex), peer_(socket_path), watchdog_(watchdog), log_(log), ping_(ex), status_timer_(ex) {
  boost::system::error_code ec;
  socket_.open(net::local::datagram_protocol(), ec);
  if (!ec) socket_.non_blocking(true, ec); // a full systemd queue drops a datagram, never blocks the loop
  if (ec) log_.warn("sd-notify-unavailable", {{"error", ec.message()}, {"what", "no READY, STATUS or WATCHDOG for systemd"}});
}

sd_notifier::~sd_notifier() { close(); }

void sd_notifier::start() {
  if (!watchdog_ || closed_) return;
  ping_.expires_after(*watchdog_);
  arm_watchdog();
}

void sd_notifier::arm_watchdog() {
  // The ping is this timer's handler on the loop: if the loop is stuck, no ping goes out.
  ping_.async_wait([this](boost::system::error_code ec) {
    if (ec || closed_) return;
    const bool refresh = current_status() != last_status_ && steady::now() - status_sent_ >= status_spacing;
    send(false, false, true, refresh);
    ping_.expires_at(ping_.expiry() + *watchdog_);
    arm_watchdog();
  });
}

void sd_notifier::close() {
  closed_ = true;
  ping_.cancel();
  status_timer_.cancel();
}

void sd_notifier::emit(const agent::event& e) noexcept {
  try {
    if (closed_) return;
    if (e.kind == agent::event_kind::ready) {
      if (std::exchange(ready_sent_, true)) return;
      phase_ = {agent::event_kind::ready, {}, {}, {}};
      send(true, false, false, true);
      return;
    }
    auto p = phase_of(e);
    if (!p) return;
    phase_ = std::move(*p);
    phase_since_ = steady::now();
    if (e.kind == agent::event_kind::stopping) return send(false, true, false, true);
    status_changed();
  } catch (...) {
    // A sink never throws into the agent; a lost STATUS line is no reason to stop.
  }
}

double sd_notifier::status_tokens() {
  const auto now = steady::now();
  const double earned = std::chrono::duration<double>(now - tokens_at_) / std::chrono::duration<double>(status_spacing);
  status_tokens_ = std::min<double>(status_burst, status_tokens_ + earned);
  tokens_at_ = now;
  return status_tokens_;
}

void sd_notifier::status_changed() {
  if (status_pending_) return; // the pending send takes the latest phase
  if (status_tokens() >= 1) {
    status_tokens_ -= 1;
    return send(false, false, false, true);
  }
  status_pending_ = true;
  const auto wait = std::chrono::duration_cast<steady::duration>((1 - status_tokens_) * std::chrono::duration<double>(status_spacing));
  status_timer_.expires_after(wait);
  status_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || closed_) return;
    status_pending_ = false;
    if (current_status() == last_status_) return;
    status_tokens();
    status_tokens_ = std::max(0.0, status_tokens_ - 1);
    send(false, false, false, true);
  });
}

std::string sd_notifier::current_status() const {
  return status_text(phase_, std::chrono::duration_cast<std::chrono::seconds>(steady::now() - phase_since_));
}

void sd_notifier::send(bool ready, bool stopping, bool watchdog, bool with_status) {
  std::optional<std::string> status;
  if (with_status) {
    status = current_status();
    last_status_ = *status;
    status_sent_ = steady::now();
  }
  const auto msg = datagram(ready, stopping, watchdog, status);
  boost::system::error_code ec;
  socket_.send_to(net::buffer(msg), peer_, 0, ec);
  if (ec && !std::exchange(send_failed_logged_, true))
    log_.warn("sd-notify-failed", {{"error", ec.message()},
                                   {"what", "systemd's notify socket did not take a datagram; check NotifyAccess=main (logged once)"}});
}

} // namespace hookd::notify
