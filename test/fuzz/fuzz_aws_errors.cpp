// SPDX-License-Identifier: Apache-2.0
// Auto Scaling's XML answers and every AWS error body hookd reads: JSON (SQS), query XML (Auto
// Scaling), REST XML (S3), whatever status and headers come with them.
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned status = 300u + data[0] % 300u;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  using hookd::aws::protocol;
  (void)hookd::aws::parse_describe_lifecycle_hooks(body);
  (void)hookd::aws::parse_describe_autoscaling_instances(body);
  for (auto p : {protocol::json, protocol::xml})
    (void)hookd::aws::classify(hookd::aws::parse_service_error(status, body, p, body.substr(0, 40), "req-1", "us-west-2"));
  return 0;
}
