#pragma once
// SPDX-License-Identifier: Apache-2.0
// Endpoints as hookd uses them: scheme, host, port and a base path, parsed from a URL. Pure.
#include "hookd/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace hookd::http {

struct endpoint {
  std::string scheme; ///< "https" or "http"
  std::string host;   ///< without brackets for IPv6 literals
  std::uint16_t port = 443;
  std::string base_path; ///< "" or "/prefix" (never a trailing '/')

  bool tls() const noexcept { return scheme == "https"; }
  bool default_port() const noexcept { return port == (tls() ? 443 : 80); }
  /// The Host header value: "host" or "host:port" when the port is not the scheme's default.
  std::string host_header() const;
  /// "https://host:port": the key of the connection pool.
  std::string origin() const;
  /// host_header() with IPv6 literals in brackets, scheme prefixed, plus base_path.
  std::string url() const;
};

/// Parses `https://host[:port][/path]` (also `http://`, and IPv6 literals in brackets).
/// A query or fragment is refused: an endpoint never carries one.
outcome<endpoint> parse_endpoint(std::string_view url);

/// Whether `host` is a loopback name or address (127.0.0.0/8, ::1, localhost).
bool is_loopback_host(std::string_view host);

} // namespace hookd::http
