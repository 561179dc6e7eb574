#pragma once
// SPDX-License-Identifier: Apache-2.0
// Time formats AWS uses, as pure functions. Pure code never reads a clock: the time is passed in.
#include "hookd/core/error.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace hookd {

using sys_time = std::chrono::system_clock::time_point;

/// `20150830T123600Z`: X-Amz-Date.
std::string amz_date(sys_time t);
/// `20150830`: the date part of a SigV4 credential scope.
std::string amz_day(sys_time t);
/// `2015-08-30T12:36:00Z`.
std::string iso8601(sys_time t);

/// Parses RFC 3339 / ISO 8601 UTC times as AWS writes them: `2015-08-30T12:36:00Z`,
/// with optional fractional seconds (`.872Z`) or a numeric offset (`+00:00`).
outcome<sys_time> parse_iso8601(std::string_view text);
/// Parses `20150830T123600Z`.
outcome<sys_time> parse_amz_date(std::string_view text);
/// Parses an HTTP `Date` header (RFC 7231 IMF-fixdate: `Sun, 30 Aug 2015 12:36:00 GMT`).
outcome<sys_time> parse_http_date(std::string_view text);

/// The longest duration a setting may have: a year.
inline constexpr std::chrono::milliseconds max_duration{8760LL * 3'600'000};

/// Parses a duration setting: `90s`, `5m`, `1h`, `250ms` or a bare number of seconds, at most
/// max_duration (an error otherwise, never an overflow).
outcome<std::chrono::milliseconds> parse_duration(std::string_view text);
/// `1h5m`, `90s`, `250ms`: for log lines.
std::string format_duration(std::chrono::milliseconds d);

} // namespace hookd
