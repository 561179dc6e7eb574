// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace hookd {

std::string string_field(const boost::json::object& o, std::string_view key) {
  if (auto* p = o.if_contains(key); p && p->is_string()) return std::string(p->as_string());
  return {};
}

std::optional<boost::json::object> json_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

} // namespace hookd
