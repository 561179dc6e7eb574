// SPDX-License-Identifier: Apache-2.0
// Instance-metadata answers (role credentials) and S3 addresses (s3:// URIs, endpoints).
#include "hookd/aws/imds.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"
#include "hookd/http/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)hookd::aws::parse_imds_credentials(text, "role");
  (void)hookd::aws::parse_s3_uri(text);
  (void)hookd::http::parse_endpoint(text);
  (void)hookd::aws::endpoint_of_queue_url(text);
  return 0;
}
