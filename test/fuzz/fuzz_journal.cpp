// SPDX-License-Identifier: Apache-2.0
// Journal entries as a crash, a full disk or a curious operator may leave them; the file names
// actions are kept by (injective, no path, short: two keys never share a file); and the times and
// durations everything else parses.
#include "hookd/agent/journal.hpp"
#include "hookd/core/time.hpp"

#include <cstdlib>

namespace {
void check_name(const std::string& key) {
  const auto n = hookd::agent::journal::file_name(key);
  if (n.empty() || n.find('/') != std::string::npos || n.find('\0') != std::string::npos || n.front() == '.' ||
      n.size() > hookd::agent::journal::max_plain_name)
    std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto e = hookd::agent::journal::parse(text)) {
    auto again = hookd::agent::journal::parse(hookd::agent::journal::serialize(*e));
    // What an entry is kept by survives its own round trip: source, token and all.
    if (!again || hookd::agent::journal::name_of(again->action) != hookd::agent::journal::name_of(e->action)) std::abort();
  }
  // Two keys from one input: equal names only for equal keys.
  const auto cut = size ? data[0] % (size + 1) : 0;
  const std::string a(text.substr(0, cut)), b(text.substr(cut));
  check_name("q:" + a);
  check_name("i:" + b);
  if (a != b && hookd::agent::journal::file_name("q:" + a) == hookd::agent::journal::file_name("q:" + b)) std::abort();
  if (hookd::agent::journal::file_name("q:" + a) == hookd::agent::journal::file_name("i:" + a)) std::abort();
  (void)hookd::parse_iso8601(text);
  (void)hookd::parse_amz_date(text);
  (void)hookd::parse_http_date(text);
  (void)hookd::parse_duration(text);
  return 0;
}
