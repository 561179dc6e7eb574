// SPDX-License-Identifier: Apache-2.0
#include "hookd/cli/stack.hpp"

#include "hookd/core/retry_loop.hpp"

namespace hookd::cli {
namespace net = boost::asio;

outcome<aws_stack> aws_stack::base(net::io_context& ioc, env_lookup env) {
  aws_stack st;
  st.env = std::move(env);
  auto proxy = http::proxy_settings_from_env(st.env);
  if (!proxy) return proxy.error();
  http::client_config hc;
  hc.env = st.env;
  hc.proxy = std::move(*proxy);
  st.http = std::make_unique<http::client>(ioc.get_executor(), hc);
  auto imds_cfg = aws::imds_config_from_env(st.env);
  if (!imds_cfg) return imds_cfg.error();
  st.imds = std::make_unique<aws::imds_client>(*st.http, *imds_cfg);
  return st;
}

outcome<void> aws_stack::finish(std::string where) {
  region = std::move(where);
  auto retry = aws::retry_config_from_env(env);
  if (!retry) return retry.error();
  std::vector<std::unique_ptr<aws::credentials_provider>> chain;
  chain.push_back(std::make_unique<aws::environment_provider>(env));
  chain.push_back(std::make_unique<aws::shared_files_provider>(env));
  chain.push_back(std::make_unique<aws::imds_provider>(*imds));
  creds = std::make_unique<aws::cached_provider>(std::make_unique<aws::chain_provider>(std::move(chain)),
                                                 [] { return std::chrono::system_clock::now(); });
  caller = std::make_unique<aws::caller>(*http, *creds, region, *retry);
  return {};
}

outcome<aws::resolved_endpoint> aws_stack::endpoint(aws::service s) const { return aws::resolve_endpoint(s, region, env); }

net::awaitable<outcome<void>> learn_where(aws_stack& st, const config::settings& s, const where_rules& rules, logger* log) {
  std::string region = s.region, instance = s.instance_id;
  auto attempt = [&]() -> net::awaitable<std::string> {
    if (region.empty()) {
      auto r = co_await st.imds->region();
      if (!r) co_return r.error().message();
      region = *r;
    }
    if (instance.empty() && rules.need_instance) {
      auto r = co_await st.imds->instance_id();
      if (!r) co_return r.error().message();
      instance = *r;
    }
    co_return std::string();
  };
  std::string problem;
  const backoff_policy policy{s.error_backoff, std::chrono::minutes(5)}; // named: GCC 12 and temporaries in co_await
  if (!rules.retry_until) problem = co_await attempt();
  else
    problem = co_await retry_with_backoff(
        attempt, policy, rules.retry_until,
        [log](int n, const std::string& p, std::chrono::milliseconds wait) {
          if (log)
            log->warn("identity-retry", {{"attempt", std::to_string(n)}, {"problem", p}, {"retry_in", format_duration(wait)},
                                         {"what", "set --region and --instance-id when not on EC2"}});
        });
  if (region.empty()) region = rules.fallback_region;
  if (instance.empty()) instance = rules.fallback_instance;
  if (region.empty()) co_return make_error(errc::not_found, "no region: set AWS_REGION or --region (instance metadata: " + problem + ")");
  if (instance.empty() && rules.need_instance)
    co_return make_error(errc::not_found, "no instance id: set --instance-id (instance metadata: " + problem + ")");
  st.instance_id = instance;
  co_return st.finish(region);
}

net::awaitable<outcome<aws_stack>> start_stack(net::io_context& ioc, const env_lookup& env, const config::settings& s,
                                               const where_rules& rules, logger* log) {
  auto st = aws_stack::base(ioc, env);
  if (!st) co_return st.error();
  if (auto w = co_await learn_where(*st, s, rules, log); !w) co_return w.error();
  co_return std::move(*st);
}

} // namespace hookd::cli
