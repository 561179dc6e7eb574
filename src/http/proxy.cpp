// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/proxy.hpp"

#include "hookd/sigv4/canonical.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace hookd::http {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

outcome<proxy_server> parse_proxy(const std::string& var, std::string url) {
  // A bare "host:port" is common in the wild: treat it as http://host:port.
  if (url.find("://") == std::string::npos) url = "http://" + url;
  std::string auth;
  const auto scheme_end = url.find("://") + 3;
  const auto at = url.find('@', scheme_end);
  const auto slash = url.find('/', scheme_end);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    auth = sigv4::uri_decode(url.substr(scheme_end, at - scheme_end));
    url.erase(scheme_end, at - scheme_end + 1);
  }
  auto ep = parse_endpoint(url);
  // The message names the variable but never echoes the URL: it may carry a password.
  if (!ep) return make_error(errc::invalid_input, var + " is not a valid proxy URL (expected http://[user:password@]host:port)");
  if (ep->tls())
    return make_error(errc::invalid_input, var + " uses https://; hookd talks to proxies in plain HTTP and tunnels TLS through CONNECT: use http://");
  proxy_server p{std::move(*ep), {}};
  if (!auth.empty()) p.authorization = secret_string("Basic " + base64(auth));
  return p;
}

} // namespace

std::string without_userinfo(std::string_view url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const auto end = std::min(url.find_first_of("/?#", start), url.size());
  // The last '@': a password with an unencoded '@' in it is still cut off whole.
  const auto at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
}

outcome<proxy_settings> proxy_settings_from_env(const env_lookup& env) {
  proxy_settings s;
  auto first = [&](const char* a, const char* b) -> std::optional<std::pair<std::string, std::string>> {
    if (auto v = env(a)) return std::pair{std::string(a), *v};
    if (auto v = env(b)) return std::pair{std::string(b), *v};
    return std::nullopt;
  };
  if (auto v = first("HTTPS_PROXY", "https_proxy")) {
    auto p = parse_proxy(v->first, v->second);
    if (!p) return p.error();
    s.https = std::move(*p);
  }
  if (auto v = first("HTTP_PROXY", "http_proxy")) {
    auto p = parse_proxy(v->first, v->second);
    if (!p) return p.error();
    s.http = std::move(*p);
  }
  if (auto v = first("NO_PROXY", "no_proxy")) {
    std::string item;
    for (std::size_t i = 0; i <= v->second.size(); ++i) {
      if (i == v->second.size() || v->second[i] == ',') {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty() && item.front() == '.') item.erase(0, 1);
        if (!item.empty()) s.no_proxy.push_back(lower(item));
        item.clear();
      } else {
        item.push_back(v->second[i]);
      }
    }
  }
  return s;
}

const proxy_server* proxy_settings::for_endpoint(const endpoint& target) const {
  const auto& p = target.tls() ? https : http;
  if (!p) return nullptr;
  const auto host = lower(target.host);
  for (const auto& n : no_proxy) {
    if (n == "*" || host == n) return nullptr;
    if (host.size() > n.size() && host.ends_with(n) && host[host.size() - n.size() - 1] == '.') return nullptr;
  }
  return &*p;
}

} // namespace hookd::http
