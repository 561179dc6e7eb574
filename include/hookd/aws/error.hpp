#pragma once
// SPDX-License-Identifier: Apache-2.0
// AWS service errors, parsed from JSON (SQS) or XML (Auto Scaling, S3) into one shape, and the
// retry decision for each. Pure.
#include "hookd/core/error.hpp"

#include <string>
#include <string_view>

namespace hookd::aws {

struct service_error {
  unsigned status = 0;    ///< HTTP status
  std::string code;       ///< "ThrottlingException", "ValidationError", "NoSuchKey", ...
  std::string message;
  std::string request_id;
  std::string bucket_region; ///< S3 301/400 redirects: the bucket's real region (x-amz-bucket-region)

  /// "AWS error ValidationError (HTTP 400): No active Lifecycle Action found ... [request id 1234]".
  std::string describe() const;
};

enum class protocol { json, xml };

/// What the response said, from body and headers (`x-amzn-query-error`, `x-amzn-requestid`,
/// `x-amz-request-id`, `x-amz-bucket-region`). A body that is neither JSON nor XML (a proxy's
/// HTML page) still yields the status and a code derived from it.
service_error parse_service_error(unsigned status, std::string_view body, protocol proto,
                                  std::string_view query_error_header, std::string_view request_id_header,
                                  std::string_view bucket_region_header = {});

enum class retry_kind {
  none,               ///< final: do not retry
  throttle,           ///< back off and retry (costs more retry tokens)
  transient,          ///< back off and retry
  clock_skew,         ///< correct the clock offset, then retry
  expired_credentials ///< refresh credentials, then retry once
};

/// The SDKs' standard-mode lists (boto3 `retries` guide, aws-sdk-go-v2 retry/standard.go) plus
/// HTTP 500/502/503/504.
retry_kind classify(const service_error& e);

} // namespace hookd::aws
