// SPDX-License-Identifier: Apache-2.0
// The DNS wire format of the static binary's resolver fallback.
#include "hookd/http/resolver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view p(reinterpret_cast<const char*>(data), size);
  const std::uint16_t id = size >= 2 ? static_cast<std::uint16_t>(data[0] << 8 | data[1]) : 0;
  for (auto type : {hookd::http::dns_type_a, hookd::http::dns_type_aaaa})
    (void)hookd::http::parse_dns_answer(p, id, "sqs.us-east-1.amazonaws.com", type);
  (void)hookd::http::hosts_lookup(p, "sqs.us-east-1.amazonaws.com");
  (void)hookd::http::resolv_conf_nameservers(p);
  return 0;
}
