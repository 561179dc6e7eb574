#pragma once
// SPDX-License-Identifier: Apache-2.0
// The one start-up path every command shares: HTTP and IMDS first (they need no region), then the
// region and instance id (settings, else IMDSv2), then credentials and the caller, built once for
// that region. Commands differ only in what they do once it stands.
#include "hookd/aws/caller.hpp"
#include "hookd/aws/credential_providers.hpp"
#include "hookd/aws/endpoints.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/config/config.hpp"
#include "hookd/core/log.hpp"
#include "hookd/http/client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>

namespace hookd::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

struct aws_stack {
  env_lookup env;
  std::unique_ptr<http::client> http;
  std::unique_ptr<aws::imds_client> imds;
  std::unique_ptr<aws::cached_provider> creds;
  std::unique_ptr<aws::caller> caller; ///< null until `finish`
  std::string region, instance_id;

  /// HTTP and IMDS only: what a command needs to learn where it runs.
  static outcome<aws_stack> base(boost::asio::io_context& ioc, env_lookup env);
  /// Credentials and the caller for `region`, built once.
  outcome<void> finish(std::string region);
  outcome<aws::resolved_endpoint> endpoint(aws::service s) const;
};

/// What `learn_where` must find, and what it does when IMDS cannot tell.
struct where_rules {
  bool need_instance = true;
  std::string fallback_region;   ///< used when neither settings nor IMDS give one (simulate)
  std::string fallback_instance; ///< likewise
  std::function<bool()> retry_until; ///< set: retry with backoff until it says stop (run); unset: one try
};

/// Region and instance id from the settings, else IMDSv2; then `finish` for that region.
/// An error names what is missing and how to give it.
boost::asio::awaitable<outcome<void>> learn_where(aws_stack& st, const config::settings& s, const where_rules& rules,
                                                  logger* log);

/// `base`, then `learn_where`: the whole stack, or the one line that says why not.
boost::asio::awaitable<outcome<aws_stack>> start_stack(boost::asio::io_context& ioc, const env_lookup& env,
                                                       const config::settings& s, const where_rules& rules, logger* log);

} // namespace hookd::cli
