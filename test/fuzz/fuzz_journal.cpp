// SPDX-License-Identifier: Apache-2.0
// Journal entries as a crash, a full disk or a curious operator may leave them; and the times
// and durations everything else parses.
#include "hookd/agent/journal.hpp"
#include "hookd/core/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto e = hookd::agent::journal::parse(text)) (void)hookd::agent::journal::parse(hookd::agent::journal::serialize(*e));
  (void)hookd::parse_iso8601(text);
  (void)hookd::parse_amz_date(text);
  (void)hookd::parse_http_date(text);
  (void)hookd::parse_duration(text);
  return 0;
}
