// SPDX-License-Identifier: Apache-2.0
// SQS JSON answers: receive, batch results, attributes.
#include "hookd/aws/sqs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)hookd::aws::parse_sqs_receive(body);
  (void)hookd::aws::parse_sqs_batch(body);
  (void)hookd::aws::parse_sqs_attributes(body);
  return 0;
}
