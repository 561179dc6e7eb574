#pragma once
// SPDX-License-Identifier: Apache-2.0
// A small HTTP CONNECT proxy on 127.0.0.1 for tests: it answers CONNECT, then relays bytes both
// ways. It counts tunnels and remembers the Proxy-Authorization it was sent.
#include "hookd/core/async.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hookd::test {

class connect_proxy {
public:
  explicit connect_proxy(boost::asio::any_io_executor ex) : state_(std::make_shared<state>(ex)) {
    namespace net = boost::asio;
    using tcp = net::ip::tcp;
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(ep.protocol());
    state_->acceptor.bind(ep);
    state_->acceptor.listen();
    net::co_spawn(ex, accept_loop(state_), [](std::exception_ptr) {});
  }
  ~connect_proxy() {
    boost::system::error_code ec;
    state_->acceptor.close(ec);
  }
  std::uint16_t port() const { return state_->acceptor.local_endpoint().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  int tunnels() const { return state_->tunnels; }
  const std::vector<std::string>& targets() const { return state_->targets; }
  const std::string& last_authorization() const { return state_->auth; }

private:
  struct state {
    explicit state(boost::asio::any_io_executor ex) : acceptor(ex) {}
    boost::asio::ip::tcp::acceptor acceptor;
    int tunnels = 0;
    std::vector<std::string> targets;
    std::string auth;
  };

  static boost::asio::awaitable<void> relay(boost::asio::ip::tcp::socket& from, boost::asio::ip::tcp::socket& to) {
    std::array<char, 16384> buf;
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(boost::asio::buffer(buf), nothrow);
      if (ec) break;
      auto [wec, wn] = co_await boost::asio::async_write(to, boost::asio::buffer(buf.data(), n), nothrow);
      if (wec) break;
    }
    boost::system::error_code ignored;
    to.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  }

  static boost::asio::awaitable<void> session(std::shared_ptr<state> s, boost::asio::ip::tcp::socket client) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    using tcp = net::ip::tcp;
    boost::beast::flat_buffer buf;
    http::request_parser<http::empty_body> p;
    auto [ec, n] = co_await http::async_read(client, buf, p, nothrow);
    if (ec || p.get().method() != http::verb::connect) co_return;
    const std::string target(p.get().target());
    s->targets.push_back(target);
    s->auth = std::string(p.get()[http::field::proxy_authorization]);
    const auto colon = target.rfind(':');
    tcp::socket upstream(client.get_executor());
    tcp::endpoint ep(net::ip::make_address(target.substr(0, colon)),
                     static_cast<unsigned short>(std::stoi(target.substr(colon + 1))));
    auto [cec] = co_await upstream.async_connect(ep, nothrow);
    const std::string answer = cec ? "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await net::async_write(client, net::buffer(answer), nothrow);
    if (cec) co_return;
    ++s->tunnels;
    auto ex = client.get_executor();
    auto c = std::make_shared<tcp::socket>(std::move(client));
    auto u = std::make_shared<tcp::socket>(std::move(upstream));
    net::co_spawn(ex, [c, u]() -> net::awaitable<void> { co_await relay(*c, *u); }, [](std::exception_ptr) {});
    net::co_spawn(ex, [c, u]() -> net::awaitable<void> { co_await relay(*u, *c); }, [](std::exception_ptr) {});
  }

  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<state> s) {
    for (;;) {
      auto [ec, sock] = co_await s->acceptor.async_accept(nothrow);
      if (ec) co_return;
      boost::asio::co_spawn(s->acceptor.get_executor(), session(s, std::move(sock)), [](std::exception_ptr) {});
    }
  }

  std::shared_ptr<state> state_;
};

} // namespace hookd::test
