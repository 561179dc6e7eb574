#pragma once
// SPDX-License-Identifier: Apache-2.0
// A webhook endpoint on 127.0.0.1 for tests: it answers each request as its script says (a
// status, or `hang`: read the request and never answer), in the order requests arrive, then
// 200 for the rest. It records every request: target, Authorization header, body, and what it
// answered.
#include "hookd/core/async.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hookd::test {

class webhook_server {
public:
  static constexpr unsigned hang = 0;
  struct request {
    std::string target, authorization, body;
    unsigned answered = 0; ///< 0: left hanging
  };

  webhook_server(boost::asio::any_io_executor ex, std::vector<unsigned> script) : state_(std::make_shared<state>(ex)) {
    namespace net = boost::asio;
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(ep.protocol());
    state_->acceptor.bind(ep);
    state_->acceptor.listen();
    state_->script = std::move(script);
    net::co_spawn(ex, accept_loop(state_), [](std::exception_ptr) {});
  }
  ~webhook_server() {
    boost::system::error_code ec;
    state_->acceptor.close(ec);
    for (auto& s : state_->held) s->close(ec);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port()) + path;
  }
  const std::vector<request>& requests() const { return state_->requests; }
  /// The bodies answered with a 2xx, in order.
  std::vector<std::string> accepted() const {
    std::vector<std::string> out;
    for (const auto& r : state_->requests)
      if (r.answered >= 200 && r.answered < 300) out.push_back(r.body);
    return out;
  }

private:
  struct state {
    explicit state(boost::asio::any_io_executor ex) : acceptor(ex) {}
    boost::asio::ip::tcp::acceptor acceptor;
    std::vector<unsigned> script;
    std::vector<request> requests;
    std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> held; ///< hanging requests' sockets
  };

  static boost::asio::awaitable<void> session(std::shared_ptr<state> s, std::shared_ptr<boost::asio::ip::tcp::socket> sock) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(*sock, buf, req, nothrow);
      if (ec) co_return;
      const auto i = s->requests.size();
      const unsigned status = i < s->script.size() ? s->script[i] : 200;
      s->requests.push_back({std::string(req.target()), std::string(req[http::field::authorization]), req.body(), status});
      if (status == hang) {
        s->held.push_back(sock); // kept open, never answered
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = status == 200 ? "ok" : "error";
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(*sock, res, nothrow);
      if (wec) co_return;
    }
  }

  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<state> s) {
    for (;;) {
      auto [ec, sock] = co_await s->acceptor.async_accept(nothrow);
      if (ec) co_return;
      auto shared = std::make_shared<boost::asio::ip::tcp::socket>(std::move(sock));
      boost::asio::co_spawn(s->acceptor.get_executor(), session(s, shared), [](std::exception_ptr) {});
    }
  }

  std::shared_ptr<state> state_;
};

} // namespace hookd::test
