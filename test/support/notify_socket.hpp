#pragma once
// SPDX-License-Identifier: Apache-2.0
// systemd's side of the notify protocol, for tests: a real AF_UNIX datagram socket (a path, or an
// abstract name) that records every datagram hookd sends, split into its assignments.
#include "hookd/core/async.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hookd::test {

class notify_socket {
public:
  /// `abstract`: bound to "\0name" (NOTIFY_SOCKET=@name), else to `dir`/notify.
  notify_socket(boost::asio::any_io_executor ex, const std::filesystem::path& dir, bool abstract)
      : socket_(ex), name_(abstract ? "@hookd-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter())
                                    : (dir / "notify").string()) {
    std::string addr = name_;
    if (abstract) addr[0] = '\0';
    socket_.open();
    socket_.bind(boost::asio::local::datagram_protocol::endpoint(addr));
    socket_.non_blocking(true);
  }

  /// NOTIFY_SOCKET's value.
  const std::string& name() const { return name_; }

  /// Records datagrams as they come, on the loop, until the socket is closed.
  void start() {
    boost::asio::co_spawn(socket_.get_executor(), [this]() -> boost::asio::awaitable<void> {
      std::string buf(4096, '\0');
      for (;;) {
        auto [ec, n] = co_await socket_.async_receive(boost::asio::buffer(buf), nothrow);
        if (ec) co_return;
        datagrams.push_back(buf.substr(0, n));
      }
    }, boost::asio::detached);
  }

  /// Takes what is queued now without waiting (the loop need not run): how many datagrams.
  std::size_t drain_now() {
    std::size_t n = 0;
    std::string buf(4096, '\0');
    for (boost::system::error_code ec;; ++n) {
      socket_.receive(boost::asio::buffer(buf), 0, ec);
      if (ec) return n;
    }
  }

  /// Records what is queued now without waiting (for tests that poll rather than run a reader).
  void collect_now() {
    std::string buf(4096, '\0');
    for (boost::system::error_code ec;;) {
      const auto n = socket_.receive(boost::asio::buffer(buf), 0, ec);
      if (ec) return;
      datagrams.push_back(buf.substr(0, n));
    }
  }

  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

  /// Each datagram's assignments, in order: "READY=1", "STATUS=idle...", "WATCHDOG=1"...
  std::vector<std::string> assignments() const {
    std::vector<std::string> out;
    for (const auto& d : datagrams)
      for (std::size_t pos = 0; pos < d.size();) {
        const auto nl = std::min(d.find('\n', pos), d.size());
        out.push_back(d.substr(pos, nl - pos));
        pos = nl + 1;
      }
    return out;
  }
  /// The index of the first assignment starting with `prefix` at or after `from`; -1 when none.
  long first(const std::string& prefix, long from = 0) const {
    const auto a = assignments();
    for (auto i = static_cast<std::size_t>(from); i < a.size(); ++i)
      if (a[i].rfind(prefix, 0) == 0) return static_cast<long>(i);
    return -1;
  }

  std::vector<std::string> datagrams;

private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  boost::asio::local::datagram_protocol::socket socket_;
  std::string name_;
};

} // namespace hookd::test
