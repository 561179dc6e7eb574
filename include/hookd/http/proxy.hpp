#pragma once
// SPDX-License-Identifier: Apache-2.0
// Proxy settings from the environment, as curl and the AWS CLI read them. Pure.
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"
#include "hookd/core/secret.hpp"
#include "hookd/http/url.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hookd::http {

struct proxy_server {
  endpoint ep;                 ///< the proxy itself (http:// only: hookd tunnels with CONNECT)
  secret_string authorization; ///< "Basic ..." from user:password in the URL, or empty
};

struct proxy_settings {
  std::optional<proxy_server> https; ///< HTTPS_PROXY / https_proxy: for https:// endpoints
  std::optional<proxy_server> http;  ///< HTTP_PROXY / http_proxy: for http:// endpoints
  std::vector<std::string> no_proxy; ///< NO_PROXY / no_proxy entries, lower-case

  /// The proxy to use for `target`, or nullptr (no proxy configured, or NO_PROXY matches).
  const proxy_server* for_endpoint(const endpoint& target) const;
};

/// `url` (a proxy variable's value, with or without a scheme) without its user:password@ part:
/// what may be handed to a process that must reach the proxy but not hold hookd's password.
std::string without_userinfo(std::string_view url);

/// Reads HTTPS_PROXY/https_proxy, HTTP_PROXY/http_proxy and NO_PROXY/no_proxy. NO_PROXY entries
/// are host names (matching the host and its subdomains; a leading '.' is allowed), IP addresses,
/// or `*` for everything.
outcome<proxy_settings> proxy_settings_from_env(const env_lookup& env);

} // namespace hookd::http
