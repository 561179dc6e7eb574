#pragma once
// SPDX-License-Identifier: Apache-2.0
// The instance metadata service, IMDSv2 only: a session token (PUT, TTL 6 h, renewed before it
// expires, fetched again on 401) on every GET. Never proxied; short deadlines, since it is local.
#include "hookd/aws/credential_providers.hpp"
#include "hookd/core/env.hpp"
#include "hookd/http/client.hpp"

#include <optional>
#include <string>

namespace hookd::aws {

struct imds_config {
  bool disabled = false;              ///< AWS_EC2_METADATA_DISABLED=true
  http::endpoint ep;                  ///< AWS_EC2_METADATA_SERVICE_ENDPOINT, else 169.254.169.254 / [fd00:ec2::254]
  std::chrono::milliseconds timeout{std::chrono::seconds(1)};
  int attempts = 3;                   ///< IMDS is local: a few quick tries, not the AWS backoff
  std::chrono::seconds token_ttl{21600};
};
outcome<imds_config> imds_config_from_env(const env_lookup& env);

/// Parses the role-credentials document (`Code`, `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`).
outcome<credentials> parse_imds_credentials(std::string_view json_text, const std::string& role);

class imds_client {
public:
  using clock_fn = std::function<sys_time()>;
  imds_client(http::client& http, imds_config cfg, clock_fn clock = {});

  /// GET /latest/meta-data/<path>. nullopt on 404 (an item that does not exist right now).
  boost::asio::awaitable<outcome<std::optional<std::string>>> get(const std::string& path);

  boost::asio::awaitable<outcome<std::string>> instance_id();
  boost::asio::awaitable<outcome<std::string>> region();
  boost::asio::awaitable<outcome<credentials>> role_credentials();
  /// `autoscaling/target-lifecycle-state` (InService, Terminated, ...), nullopt when not published.
  boost::asio::awaitable<outcome<std::optional<std::string>>> target_lifecycle_state();
  /// `spot/instance-action` JSON, nullopt unless the Spot Instance is marked for interruption.
  boost::asio::awaitable<outcome<std::optional<std::string>>> spot_instance_action();

  const imds_config& config() const noexcept { return cfg_; }

private:
  boost::asio::awaitable<outcome<std::string>> token(bool force);
  boost::asio::awaitable<outcome<std::string>> require(const std::string& path, const char* what);

  http::client& http_;
  imds_config cfg_;
  clock_fn clock_;
  std::string token_;
  sys_time token_expiry_{};
};

/// The instance role's credentials from IMDS, for the provider chain (inside cached_provider:
/// it refreshes them before `Expiration`).
class imds_provider final : public credentials_provider {
public:
  explicit imds_provider(imds_client& imds) : imds_(imds) {}
  boost::asio::awaitable<outcome<credentials>> get() override;
  std::string name() const override { return "imds"; }

private:
  imds_client& imds_;
};

} // namespace hookd::aws
