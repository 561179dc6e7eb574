#pragma once
// SPDX-License-Identifier: Apache-2.0
// AWS calls counted by (service, outcome code) for the metrics file, with bounded labels. Pure.
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace hookd::aws {

/// The codes an endpoint answers with are free text: a faulty or hostile one could name a new
/// code at every call. Each service keeps its own budget of such codes, so one noisy service
/// (or one noisy code) cannot push another's codes into "other" (issue 24); hookd's own outcomes
/// ("OK", "timeout", ...) are a fixed set and always keep their name.
class call_counter {
public:
  using key = std::pair<std::string, std::string>; ///< (service, code)
  /// Codes from endpoints' answers kept per service; the next ones count as "other".
  static constexpr std::size_t codes_per_service = 32;

  /// Counts one call. `from_endpoint`: `code` is what an endpoint answered (AWS's error code).
  void add(const std::string& service, const std::string& code, bool from_endpoint);
  const std::map<key, std::uint64_t>& counts() const noexcept { return counts_; }

private:
  std::map<key, std::uint64_t> counts_;
  std::map<std::string, std::size_t> endpoint_codes_; ///< by service: endpoint codes with a label of their own
};

} // namespace hookd::aws
