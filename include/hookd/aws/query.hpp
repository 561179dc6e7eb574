#pragma once
// SPDX-License-Identifier: Apache-2.0
// The query protocol shared by Auto Scaling (2011-01-01) and Elastic Load Balancing v2
// (2015-12-01): a form body "Action=X&Version=V&k=v..." and an XML answer read with
// Boost.PropertyTree (no hand-written XML parser). Pure.
#include "hookd/core/error.hpp"

#include <boost/property_tree/ptree_fwd.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::aws {

using query_params = std::vector<std::pair<std::string, std::string>>;

/// "Action=X&Version=V&k=v..." with RFC 3986 encoding (the default version is Auto Scaling's).
std::string query_form(std::string_view action, const query_params& params, std::string_view version = "2011-01-01");

/// The answer as a tree; malformed XML is an error naming `service` and `operation`, never a throw.
outcome<boost::property_tree::ptree> read_query_xml(std::string_view xml, std::string_view service,
                                                    std::string_view operation);

} // namespace hookd::aws
