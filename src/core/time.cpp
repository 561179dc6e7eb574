// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/time.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace hookd {
namespace {
using namespace std::chrono;

struct civil {
  int year, month, day, hour, minute, second;
};

civil to_civil(sys_time t) {
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const hh_mm_ss hms{floor<seconds>(t - day_point)};
  return {int(ymd.year()), int(unsigned(ymd.month())), int(unsigned(ymd.day())),
          int(hms.hours().count()), int(hms.minutes().count()), int(hms.seconds().count())};
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return ec == std::errc{};
}

outcome<sys_time> from_civil(const civil& c, std::string_view text) {
  const year_month_day ymd{year{c.year}, month{unsigned(c.month)}, day{unsigned(c.day)}};
  if (!ymd.ok() || c.hour > 23 || c.minute > 59 || c.second > 60)
    return make_error(errc::invalid_input, "not a valid date/time: '" + std::string(text) + "'");
  // sys_time counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. Years inside that, with a
  // margin for the hook timeouts added to them, are all hookd ever needs; others are bad input.
  if (c.year < 1680 || c.year > 2260)
    return make_error(errc::invalid_input, "date/time out of range (years 1680-2260): '" + std::string(text) + "'");
  return sys_days{ymd} + hours{c.hour} + minutes{c.minute} + seconds{c.second};
}

outcome<sys_time> bad_time(std::string_view text, const char* expected) {
  return make_error(errc::invalid_input,
                    "cannot parse time '" + std::string(text) + "': expected " + expected);
}
} // namespace

std::string amz_date(sys_time t) {
  const auto c = to_civil(t);
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf.data();
}

std::string amz_day(sys_time t) { return amz_date(t).substr(0, 8); }

std::string iso8601(sys_time t) {
  const auto c = to_civil(t);
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf.data();
}

outcome<sys_time> parse_iso8601(std::string_view s) {
  civil c{};
  if (s.size() < 19 || !read_int(s, 0, 4, c.year) || s[4] != '-' || !read_int(s, 5, 2, c.month) ||
      s[7] != '-' || !read_int(s, 8, 2, c.day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !read_int(s, 11, 2, c.hour) || s[13] != ':' || !read_int(s, 14, 2, c.minute) || s[16] != ':' ||
      !read_int(s, 17, 2, c.second))
    return bad_time(s, "YYYY-MM-DDThh:mm:ssZ");
  std::size_t pos = 19;
  milliseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100, ms = 0;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad_time(s, "digits after '.'");
    frac = milliseconds{ms};
  }
  minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!read_int(s, pos + 1, 2, oh) || !read_int(s, pos + 4, 2, om)) return bad_time(s, "+hh:mm");
    offset = hours{oh} + minutes{om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return bad_time(s, "a 'Z' or '+hh:mm' time zone");
  }
  if (pos != s.size()) return bad_time(s, "nothing after the time zone");
  auto base = from_civil(c, s);
  if (!base) return base.error();
  return *base + frac - offset;
}

outcome<sys_time> parse_amz_date(std::string_view s) {
  civil c{};
  if (s.size() != 16 || !read_int(s, 0, 4, c.year) || !read_int(s, 4, 2, c.month) ||
      !read_int(s, 6, 2, c.day) || s[8] != 'T' || !read_int(s, 9, 2, c.hour) ||
      !read_int(s, 11, 2, c.minute) || !read_int(s, 13, 2, c.second) || s[15] != 'Z')
    return bad_time(s, "YYYYMMDDThhmmssZ");
  return from_civil(c, s);
}

outcome<sys_time> parse_http_date(std::string_view s) {
  // IMF-fixdate only: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 7231 §7.1.1.1, what AWS sends).
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  civil c{};
  if (s.size() != 29 || s[3] != ',' || !read_int(s, 5, 2, c.day) || !read_int(s, 12, 4, c.year) ||
      !read_int(s, 17, 2, c.hour) || !read_int(s, 20, 2, c.minute) || !read_int(s, 23, 2, c.second) ||
      s.substr(26) != "GMT")
    return bad_time(s, "an IMF-fixdate like 'Sun, 06 Nov 1994 08:49:37 GMT'");
  const auto mon = s.substr(8, 3);
  for (std::size_t i = 0; i < months.size(); ++i)
    if (months[i] == mon) c.month = int(i) + 1;
  if (c.month == 0) return bad_time(s, "a month name");
  return from_civil(c, s);
}

outcome<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto bad = [&](const char* why) {
    return make_error(errc::invalid_input, "invalid duration '" + std::string(text) + "': " + why);
  };
  constexpr const char* form = "use seconds or a number with ms, s, m or h (90s, 5m, 1h)";
  if (text.empty()) return bad(form);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return bad(form);
  // Every duration ends up added to a clock reading in nanoseconds, where a signed 64-bit count
  // lasts 292 years: a bound far below that keeps every sum and multiple of a setting defined
  // (issue 24: HOOKD_HEARTBEAT_INTERVAL=999999999999s). No setting needs more than days.
  constexpr long long max_ms = max_duration.count();
  long long n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
  const auto unit = text.substr(digits);
  long long scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "ms") scale = 1;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else return bad(form);
  // Checked before multiplying: from_chars saturates nothing, it reports out of range.
  if (ec != std::errc{} || end != text.data() + digits || n > max_ms / scale)
    return bad("at most 8760h (a year)");
  return milliseconds{n * scale};
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms % 1000 != 0 || ms < 60'000) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3gs", double(ms) / 1000.0);
    if (ms >= 10'000) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms / 1000));
    return buf;
  }
  auto s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

} // namespace hookd
