// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/endpoints.hpp"

#include "hookd/sigv4/canonical.hpp"

namespace hookd::aws {

std::string_view signing_name(service s) {
  switch (s) {
  case service::sqs: return "sqs";
  case service::autoscaling: return "autoscaling";
  case service::s3: return "s3";
  case service::sns: return "sns";
  case service::elbv2: return "elasticloadbalancing";
  case service::ecs: return "ecs";
  }
  return "";
}

std::string_view display_name(service s) {
  switch (s) {
  case service::sqs: return "SQS";
  case service::autoscaling: return "Auto Scaling";
  case service::s3: return "S3";
  case service::sns: return "SNS";
  case service::elbv2: return "Elastic Load Balancing";
  case service::ecs: return "ECS";
  }
  return "AWS";
}

std::string_view endpoint_env_id(service s) {
  switch (s) {
  case service::sqs: return "SQS";
  case service::autoscaling: return "AUTO_SCALING";
  case service::s3: return "S3";
  case service::sns: return "SNS";
  case service::elbv2: return "ELASTIC_LOAD_BALANCING_V2";
  case service::ecs: return "ECS";
  }
  return "";
}

std::string dns_suffix(std::string_view region) {
  if (region.starts_with("cn-")) return "amazonaws.com.cn";
  if (region.starts_with("us-isob-")) return "sc2s.sgov.gov";
  if (region.starts_with("us-iso-")) return "c2s.ic.gov";
  return "amazonaws.com";
}

bool valid_region(std::string_view region) {
  if (region.empty() || region.size() > 32 || region.front() == '-' || region.back() == '-') return false;
  for (char c : region)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

outcome<resolved_endpoint> resolve_endpoint(service s, std::string_view region, const env_lookup& env) {
  const auto ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!(ignore && (*ignore == "true" || *ignore == "TRUE" || *ignore == "1"))) {
    const std::string specific = "AWS_ENDPOINT_URL_" + std::string(endpoint_env_id(s));
    for (const std::string& var : {specific, std::string("AWS_ENDPOINT_URL")}) {
      if (auto url = env(var)) {
        auto ep = http::parse_endpoint(*url);
        if (!ep) return make_error(errc::invalid_input, var + ": " + ep.error().message());
        return resolved_endpoint{std::move(*ep), true, var};
      }
    }
  }
  if (!valid_region(region))
    return make_error(errc::invalid_input, "invalid AWS region '" + std::string(region) +
                                               "': set AWS_REGION (or --region) to a region such as eu-west-1");
  auto ep = http::parse_endpoint("https://" + std::string(signing_name(s)) + "." + std::string(region) + "." +
                                 dns_suffix(region));
  if (!ep) return ep.error();
  return resolved_endpoint{std::move(*ep), false, "default"};
}

namespace {
// S3 bucket names that can be a DNS label under the wildcard certificate: 3-63 lower-case
// letters, digits and dashes, no dots (a dot breaks TLS host matching).
bool virtual_host_compatible(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63 || bucket.front() == '-' || bucket.back() == '-') return false;
  for (char c : bucket)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}
} // namespace

s3_target s3_object_target(const resolved_endpoint& s3, std::string_view bucket, std::string_view key,
                           bool force_path_style) {
  s3_target t;
  t.ep = s3.ep;
  const auto encoded_key = sigv4::uri_encode(key, /*keep_slash=*/true);
  t.path_style = force_path_style || s3.overridden || !virtual_host_compatible(bucket);
  if (t.path_style) {
    t.path = s3.ep.base_path + "/" + sigv4::uri_encode(bucket) + "/" + encoded_key;
  } else {
    t.ep.host = std::string(bucket) + "." + s3.ep.host;
    t.path = s3.ep.base_path + "/" + encoded_key;
  }
  return t;
}

} // namespace hookd::aws
