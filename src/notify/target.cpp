// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/target.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hookd::notify {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace

outcome<webhook_target> parse_webhook_url(std::string_view url) { return parse_http_url(url, "notify URL"); }

outcome<webhook_target> parse_http_url(std::string_view url, std::string_view what) {
  const auto bad = [what](const std::string& why) {
    return make_error(errc::invalid_input, std::string(what) + ": " + why + " (expected http[s]://host[:port][/path][?query])");
  };
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad("no scheme");
  const auto rest_at = sep + 3;
  const auto path_at = std::min(url.find_first_of("/?#", rest_at), url.size());
  if (url.find('#') != std::string_view::npos) return bad("a fragment is not allowed");
  if (url.find_first_of(" \t\r\n") != std::string_view::npos) return bad("white space is not allowed");
  auto ep = http::parse_endpoint(url.substr(0, path_at));
  if (!ep) {
    // parse_endpoint names the URL it refuses; only the scheme and host part went in, never the
    // path or query, but credentials in the authority would: say why without it.
    if (url.substr(rest_at, path_at - rest_at).find('@') != std::string_view::npos)
      return bad("credentials in the URL are not allowed (use --notify-header 'Authorization: ...')");
    return ep.error();
  }
  webhook_target t;
  t.ep = std::move(*ep);
  t.target = std::string(url.substr(path_at));
  if (t.target.empty() || t.target.front() != '/') t.target.insert(0, "/");
  t.origin = t.ep.scheme + "://" + t.ep.host_header();
  return t;
}

outcome<header> parse_header(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return make_error(errc::invalid_input, "notify header: expected 'Name: value'");
  const auto name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), token_char))
    return make_error(errc::invalid_input, "notify header: its name must be an HTTP token (letters, digits, '-')");
  static constexpr std::array<std::string_view, 5> ours{"host", "content-type", "content-length", "transfer-encoding",
                                                        "connection"};
  for (auto reserved : ours)
    if (iequals(name, reserved))
      return make_error(errc::invalid_input, "notify header " + std::string(name) + ": hookd sets it itself");
  const auto value = trim(line.substr(colon + 1));
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      return make_error(errc::invalid_input, "notify header " + std::string(name) + ": control characters are not allowed in its value");
  return header{std::string(name), std::string(value)};
}

std::vector<std::string> split_list(std::string_view list, bool commas) {
  std::vector<std::string> out;
  const std::string_view seps = commas ? ",\n" : "\n";
  for (std::size_t pos = 0; pos <= list.size();) {
    const auto end = std::min(list.find_first_of(seps, pos), list.size());
    if (auto item = trim(list.substr(pos, end - pos)); !item.empty()) out.emplace_back(item);
    pos = end + 1;
  }
  return out;
}

} // namespace hookd::notify
