#pragma once
// SPDX-License-Identifier: Apache-2.0
// The completion token for I/O where failure is an expected branch (EOF, timeout, cancellation):
// results come back as a tuple instead of an exception. Boost 1.81 lacks the bare `as_tuple`
// partial token, hence the spelled-out form (STYLE.md §0).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hookd {
inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
} // namespace hookd
