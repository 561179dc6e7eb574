// SPDX-License-Identifier: Apache-2.0
// `hookd simulate`: the script exactly as a real action would run it (arguments, environment,
// output capture, time limit, result logic) with a synthetic event; no Auto Scaling call, no queue.
#include "hookd/agent/script.hpp"
#include "hookd/cli/commands.hpp"
#include "hookd/cli/stack.hpp"
#include "hookd/core/private_dir.hpp"

#include <boost/asio/co_spawn.hpp>

#include <csignal>
#include <filesystem>
#include <unistd.h>

namespace hookd::cli {
namespace net = boost::asio;

namespace {
lifecycle::lifecycle_action synthetic_action(const config::settings& s, const std::string& instance, bool launch) {
  lifecycle::lifecycle_action a;
  a.token = "simulated-" + std::to_string(::getpid());
  a.group = s.group.empty() ? "simulated-group" : s.group;
  a.hook = s.hooks.empty() ? "simulated-hook" : *s.hooks.begin();
  a.instance_id = instance;
  a.transition = launch ? lifecycle::transition::launch : lifecycle::transition::terminate;
  a.time = std::chrono::system_clock::now();
  return a;
}

net::awaitable<int> simulate(net::io_context& ioc, const config::settings& s, const env_lookup& env, const std::string& source,
                             bool launch, logger& log) {
  where_rules rules; // named: GCC 12 and braced temporaries in co_await
  rules.fallback_region = "us-east-1";
  rules.fallback_instance = "i-00000000000000000";
  auto st = co_await start_stack(ioc, env, s, rules, nullptr);
  if (!st) {
    std::fprintf(stderr, "hookd simulate: %s\n", st.error().message().c_str());
    co_return exit_failure;
  }
  const auto a = synthetic_action(s, st->instance_id, launch);
  std::optional<aws::s3_client> s3;
  if (source.rfind("s3://", 0) == 0) {
    auto ep = st->endpoint(aws::service::s3);
    if (!ep) {
      std::fprintf(stderr, "hookd simulate: %s\n", ep.error().message().c_str());
      co_return exit_failure;
    }
    s3.emplace(*st->caller, *ep, aws::s3_options{s.expected_bucket_owner, false});
  }
  log.info("simulate-start", {{"transition", std::string(lifecycle::transition_word(a.transition))},
                              {"instance", a.instance_id}, {"script", source}, {"time_limit", format_duration(s.script_timeout)}});
  std::string why;
  const auto so = agent::script_options_from(s);
  auto path = co_await agent::fetch_script(so, a, source, s3 ? &*s3 : nullptr, log, why);
  proc::run_result rr;
  if (!path) rr.spawn_error = why;
  else {
    rr = co_await agent::supervise_script(agent::script_command(*path, a, st->region, so, env), so, a.token, log);
    agent::discard_script(*path, so);
  }
  const auto result = rr.succeeded() ? s.on_success : s.on_failure;
  std::printf("simulate: script %s after %s; hookd would complete the action with %s\n", rr.describe().c_str(),
              format_duration(rr.duration).c_str(), result.c_str());
  for (const auto& line : rr.succeeded() ? std::vector<std::string>{} : rr.tail) std::printf("  %s\n", line.c_str());
  co_return rr.succeeded() ? exit_ok : exit_failure;
}
} // namespace

int run_simulate(const config::parse_result& cfg, const env_lookup& env) {
  std::signal(SIGHUP, SIG_IGN); // a stray SIGHUP (logrotate, a closed terminal) must not end it mid-work
  auto s = cfg.s;
  logger log(log_level::info, s.format == config::log_format::json);
  const bool launch = s.simulate_transition == "launch";
  const std::string source = !s.simulate_script.empty() ? s.simulate_script : launch ? s.on_launch : s.on_terminate;
  if (source.empty()) {
    std::fprintf(stderr, "hookd simulate: no script: give --script, or --on-%s\n", launch ? "launch" : "terminate");
    return exit_usage;
  }
  // The agent's state directory when it is ours; otherwise a fresh private one, never a shared
  // fixed name in /tmp that another user could have made first.
  std::string temp_dir;
  if (!ensure_private_dir(s.state_dir)) {
    auto t = make_private_temp_dir("hookd-simulate");
    if (!t) {
      std::fprintf(stderr, "hookd simulate: %s\n", t.error().message().c_str());
      return exit_failure;
    }
    temp_dir = s.state_dir = *t;
  }
  net::io_context ioc{1};
  int rc = exit_failure;
  net::co_spawn(ioc, simulate(ioc, s, env, source, launch, log), [&rc](std::exception_ptr e, int r) {
    if (e) std::rethrow_exception(e);
    rc = r;
  });
  ioc.run();
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  return rc;
}

} // namespace hookd::cli
