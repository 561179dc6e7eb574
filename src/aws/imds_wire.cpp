// SPDX-License-Identifier: Apache-2.0
// Instance metadata settings and the credentials document: no I/O (imds.cpp holds the client).
#include "hookd/aws/imds.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>

namespace hookd::aws {

outcome<imds_config> imds_config_from_env(const env_lookup& env) {
  imds_config cfg;
  if (auto d = env("AWS_EC2_METADATA_DISABLED")) cfg.disabled = *d == "true" || *d == "TRUE" || *d == "1";
  std::string url = "http://169.254.169.254";
  if (auto mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) {
    if (*mode == "IPv6" || *mode == "ipv6") url = "http://[fd00:ec2::254]";
    else if (*mode != "IPv4" && *mode != "ipv4")
      return make_error(errc::invalid_input, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE='" + *mode + "': use IPv4 or IPv6");
  }
  if (auto e = env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) url = *e;
  auto ep = http::parse_endpoint(url);
  if (!ep) return make_error(errc::invalid_input, "AWS_EC2_METADATA_SERVICE_ENDPOINT: " + ep.error().message());
  cfg.ep = std::move(*ep);
  return cfg;
}

outcome<credentials> parse_imds_credentials(std::string_view text, const std::string& role) {
  const auto parsed = json_object(text);
  const std::string where = "instance role '" + role + "' credentials from IMDS";
  if (!parsed) return make_error(errc::protocol_error, where + ": not a JSON object");
  const auto& o = *parsed;
  auto str = [&](std::string_view k) { return string_field(o, k); };
  if (auto code = str("Code"); !code.empty() && code != "Success")
    return make_error(errc::no_credentials, where + ": IMDS reports Code=" + code + "; check the instance profile's role");
  credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = secret_string(str("SecretAccessKey"));
  c.session_token = secret_string(str("Token"));
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    return make_error(errc::protocol_error, where + ": AccessKeyId or SecretAccessKey missing");
  if (auto exp = str("Expiration"); !exp.empty()) {
    auto t = parse_iso8601(exp);
    if (!t) return make_error(errc::protocol_error, where + ": bad Expiration: " + t.error().message());
    c.expiration = *t;
  }
  c.source = "imds:" + role;
  return c;
}

} // namespace hookd::aws
