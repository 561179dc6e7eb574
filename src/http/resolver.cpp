// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/resolver.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/read_file.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cctype>
#include <random>

namespace hookd::http {
namespace net = boost::asio;


namespace {
// Reads datagrams until one answers our question (id, name, type) or the time is up: a stray or
// forged packet is dropped, and the real answer still counts.
net::awaitable<outcome<std::vector<std::string>>> await_answer(net::ip::udp::socket& sock, std::uint16_t id,
                                                               const std::string& name, std::uint16_t qtype,
                                                               std::chrono::steady_clock::time_point until) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(sock.get_executor(), until);
  std::string last = "no answer in time";
  for (;;) {
    std::array<char, 1500> buf;
    auto got = co_await (sock.async_receive(net::buffer(buf), nothrow) || timer.async_wait(nothrow));
    if (got.index() == 1) co_return make_error(errc::connection_failed, last);
    auto [rec, rn] = std::get<0>(got);
    if (rec) co_return make_error(errc::connection_failed, rec.message());
    auto answer = parse_dns_answer(std::string_view(buf.data(), rn), id, name, qtype);
    if (answer || answer.error().code != make_error_code(errc::protocol_error)) co_return answer;
    last = answer.error().message() + ", then no answer in time";
  }
}
} // namespace

net::awaitable<outcome<std::vector<std::string>>> fallback_resolve(net::any_io_executor ex, std::string name,
                                                                   const resolver_files& files,
                                                                   std::chrono::steady_clock::time_point deadline,
                                                                   std::chrono::milliseconds per_server) {
  using namespace net::experimental::awaitable_operators;
  if (auto from_hosts = hosts_lookup(read_whole_file(files.hosts).value_or(""), name); !from_hosts.empty()) co_return from_hosts;
  const auto servers = resolv_conf_nameservers(read_whole_file(files.resolv_conf).value_or(""));
  std::mt19937 gen{std::random_device{}()};
  std::string last = "no nameserver answered";
  for (const auto qtype : {dns_type_a, dns_type_aaaa}) {
    for (const auto& server : servers) {
      boost::system::error_code ec;
      auto addr = net::ip::make_address(server, ec);
      if (ec) continue;
      const auto id = static_cast<std::uint16_t>(gen());
      auto query = dns_query(id, name, qtype);
      if (!query) co_return query.error();
      net::ip::udp::socket sock(ex);
      sock.open(addr.is_v4() ? net::ip::udp::v4() : net::ip::udp::v6(), ec);
      const net::ip::udp::endpoint to(addr, files.dns_port);
      // Connected: the kernel hands us datagrams from the server asked, and no one else.
      if (!ec) sock.connect(to, ec);
      if (ec) continue;
      auto [sec, sn] = co_await sock.async_send(net::buffer(*query), nothrow);
      if (sec) {
        last = server + ": " + sec.message();
        continue;
      }
      auto answer = co_await await_answer(sock, id, name, qtype, std::min(deadline, std::chrono::steady_clock::now() + per_server));
      if (!answer) {
        last = server + ": " + answer.error().message();
        continue;
      }
      if (!answer->empty()) co_return std::move(*answer);
      break; // an authoritative "none of this type": try the next type, not the next server
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  co_return make_error(errc::connection_failed, "cannot resolve " + name + " (" + files.hosts + ", then DNS: " + last + ")");
}

} // namespace hookd::http
