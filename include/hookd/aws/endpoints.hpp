#pragma once
// SPDX-License-Identifier: Apache-2.0
// Which URL each AWS service is reached at: from region and partition, or from the SDKs' standard
// override variables. Pure.
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"
#include "hookd/http/url.hpp"

#include <string>

namespace hookd::aws {

enum class service { sqs, autoscaling, s3, sns, elbv2, ecs };

/// SigV4 signing name (also the endpoint's host label): "sqs", "autoscaling", "s3", "sns",
/// "elasticloadbalancing", "ecs".
std::string_view signing_name(service s);
/// How error lines name the service: "SQS", "Auto Scaling", "S3", "Elastic Load Balancing", "ECS".
std::string_view display_name(service s);
/// The suffix of `AWS_ENDPOINT_URL_<ID>`: "SQS", "AUTO_SCALING", "S3", "SNS",
/// "ELASTIC_LOAD_BALANCING_V2", "ECS" (the SDKs' service identifiers, `ss-endpoints-table`).
std::string_view endpoint_env_id(service s);

/// DNS suffix of the region's partition: amazonaws.com, amazonaws.com.cn (cn-*), c2s.ic.gov
/// (us-iso-*), sc2s.sgov.gov (us-isob-*). GovCloud (us-gov-*) is amazonaws.com.
std::string dns_suffix(std::string_view region);

struct resolved_endpoint {
  http::endpoint ep;
  bool overridden = false; ///< set by an AWS_ENDPOINT_URL* variable (S3 then uses path style)
  std::string source;      ///< "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL" or "default"
};

/// `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`; else `https://<svc>.<region>.<suffix>`.
outcome<resolved_endpoint> resolve_endpoint(service s, std::string_view region, const env_lookup& env);

/// Validates a region name (`eu-west-1`, `us-gov-west-1`, `cn-north-1`): letters, digits, dashes.
bool valid_region(std::string_view region);

/// Where an S3 object is requested: host and wire path (key percent-encoded, '/' kept).
struct s3_target {
  http::endpoint ep;
  std::string path;
  bool path_style = false;
};
/// Virtual-hosted style (`bucket.s3.region.amazonaws.com/key`) unless the bucket has a dot (the
/// wildcard certificate does not cover it), is not DNS-compatible, the endpoint is overridden, or
/// `force_path_style` is set.
s3_target s3_object_target(const resolved_endpoint& s3, std::string_view bucket, std::string_view key,
                           bool force_path_style = false);

} // namespace hookd::aws
