#pragma once
// SPDX-License-Identifier: Apache-2.0
// Reading untrusted JSON without throwing: a missing or non-string field reads as "".
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hookd {

std::string string_field(const boost::json::object& o, std::string_view key);

/// `text` as a JSON object; nothing when it is not JSON or not an object (the caller says whose).
std::optional<boost::json::object> json_object(std::string_view text);

} // namespace hookd
