// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hookd::http {

std::string endpoint::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if (!default_port()) h += ":" + std::to_string(port);
  return h;
}

std::string endpoint::origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string endpoint::url() const { return scheme + "://" + host_header() + base_path; }

outcome<endpoint> parse_endpoint(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_input, "invalid endpoint URL '" + std::string(url) + "': " + why +
                                               " (expected https://host[:port][/path])");
  };
  endpoint ep;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad("no scheme");
  ep.scheme = std::string(url.substr(0, sep));
  std::transform(ep.scheme.begin(), ep.scheme.end(), ep.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ep.scheme != "https" && ep.scheme != "http") return bad("scheme must be http or https");
  ep.port = ep.tls() ? 443 : 80;
  auto rest = url.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("a query or fragment is not allowed");
  const auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string path(rest.substr(slash));
    while (!path.empty() && path.back() == '/') path.pop_back();
    ep.base_path = path;
  }
  if (authority.find('@') != std::string_view::npos) return bad("credentials in the URL are not allowed");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    ep.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("junk after the IPv6 literal");
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    ep.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (ep.host.empty()) return bad("no host");
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535)
      return bad("port must be 1-65535");
    ep.port = static_cast<std::uint16_t>(p);
  }
  std::transform(ep.host.begin(), ep.host.end(), ep.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ep;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

} // namespace hookd::http
