#pragma once
// SPDX-License-Identifier: Apache-2.0
// Name resolution that works in a static binary: glibc's getaddrinfo needs NSS modules it cannot
// load when statically linked on another distribution, so when it fails hookd reads /etc/hosts
// and asks the nameservers of /etc/resolv.conf itself (A, then AAAA, over UDP).
// The parsing and the DNS wire format are pure; `fallback_resolve` is the thin I/O.
#include "hookd/core/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::http {

/// The addresses /etc/hosts gives `name` (case-insensitive, aliases included), in file order.
std::vector<std::string> hosts_lookup(std::string_view hosts_text, std::string_view name);
/// The `nameserver` lines of resolv.conf; 127.0.0.1 when there are none (as glibc does).
std::vector<std::string> resolv_conf_nameservers(std::string_view text);

inline constexpr std::uint16_t dns_type_a = 1;
inline constexpr std::uint16_t dns_type_aaaa = 28;

/// A recursive query for `name` of `qtype`.
outcome<std::string> dns_query(std::uint16_t id, std::string_view name, std::uint16_t qtype);
/// The addresses in an answer to query `id` for `name` (CNAME chains are followed within the
/// packet). An answer with no addresses is an empty list; a malformed packet, or one that does
/// not answer exactly this question (id, name, type, class), is an error.
outcome<std::vector<std::string>> parse_dns_answer(std::string_view packet, std::uint16_t id, std::string_view name,
                                                   std::uint16_t qtype);

struct resolver_files {
  std::string hosts = "/etc/hosts";
  std::string resolv_conf = "/etc/resolv.conf";
  std::uint16_t dns_port = 53; ///< tests point it at a local fake nameserver
};

/// /etc/hosts, then DNS. Each nameserver gets at most `per_server` for each query type.
boost::asio::awaitable<outcome<std::vector<std::string>>> fallback_resolve(
    boost::asio::any_io_executor ex, std::string name, const resolver_files& files,
    std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds per_server = std::chrono::milliseconds(2000));

} // namespace hookd::http
