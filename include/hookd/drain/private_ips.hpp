#pragma once
// SPDX-License-Identifier: Apache-2.0
// The instance's private IPv4 addresses, which `ip` target groups register: every address of
// every network interface, from instance metadata (`network/interfaces/macs/<mac>/local-ipv4s`).
#include "hookd/aws/imds.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hookd::drain {

/// The non-empty lines of an IMDS listing, each without a trailing '/' ("0e:49:61:0f:c3:11/").
/// Pure.
std::vector<std::string> imds_lines(std::string_view text);

/// Every interface's addresses, in IMDS's order, once each. At most 32 interfaces are read.
boost::asio::awaitable<outcome<std::vector<std::string>>> private_ipv4s(aws::imds_client& imds);

} // namespace hookd::drain
