#pragma once
// SPDX-License-Identifier: Apache-2.0
// What a webhook destination is made of, parsed from the settings: its URL and its extra headers.
// A webhook URL often carries its secret in the path or query (Slack's /services/T/B/XXXX), and a
// header value often is one (Authorization): so neither ever appears in an error or a log line;
// logs name a destination by its origin only. Pure.
#include "hookd/core/error.hpp"
#include "hookd/http/url.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hookd::notify {

struct webhook_target {
  http::endpoint ep;  ///< scheme, host, port (base_path unused)
  std::string target; ///< the request target: path and query, as given ("/" when none)
  std::string origin; ///< "https://hooks.example.com": what logs name it by
};

/// `http://` or `https://` URL with an optional path and query; no credentials, no fragment.
outcome<webhook_target> parse_webhook_url(std::string_view url);
/// The same for any such URL; `what` ("notify URL", "--ready-http") starts its errors.
outcome<webhook_target> parse_http_url(std::string_view url, std::string_view what);

struct header {
  std::string name, value;
};

/// "Name: value": an HTTP token for the name, a value without control bytes (no CR or LF, so no
/// header can be smuggled in). Headers hookd sets itself (Host, Content-Type, Content-Length,
/// Transfer-Encoding, Connection) are refused. Errors name the header, never its value.
outcome<header> parse_header(std::string_view line);

/// Items of a list separated by commas or newlines, trimmed, empty ones left out.
std::vector<std::string> split_list(std::string_view list, bool commas = true);

} // namespace hookd::notify
