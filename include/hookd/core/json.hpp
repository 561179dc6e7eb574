#pragma once
// SPDX-License-Identifier: Apache-2.0
// Reading untrusted JSON without throwing: a missing or non-string field reads as "".
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace hookd {

std::string string_field(const boost::json::object& o, std::string_view key);

} // namespace hookd
