// SPDX-License-Identifier: Apache-2.0
// hookd's command line: parse settings, take the lock, wire the clients, run the agent, and turn
// signals into its two-stage stop. Everything that decides lives in the library; this file wires.
#include "hookd/agent/agent.hpp"
#include "hookd/aws/caller.hpp"
#include "hookd/aws/credential_providers.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/config/config.hpp"
#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"
#include "hookd/core/private_dir.hpp"
#include "hookd/core/log.hpp"
#include "hookd/http/client.hpp"
#include "hookd/lifecycle/notification.hpp"
#include "hookd/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace net = boost::asio;
using namespace hookd;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

void print_help(std::FILE* out) {
  std::fprintf(out,
               "Usage: hookd [run] [OPTION]...\n"
               "       hookd cp FILE|- s3://BUCKET/KEY [OPTION]...\n"
               "       hookd simulate [--transition terminate|launch] [--script PATH|s3://...] [--timeout D]\n"
               "Runs the EC2 Auto Scaling lifecycle hooks of the instance it runs on: receives the\n"
               "lifecycle notification for this instance from SQS, runs the operator's script with\n"
               "arguments TRANSITION INSTANCE_ID, heartbeats while it runs, completes the lifecycle\n"
               "action, and only then deletes the message.\n"
               "\n"
               "Commands:\n"
               "  run (default)   poll the queue and handle this instance's lifecycle actions\n"
               "  cp              upload a file (or - for stdin) to S3 with hookd's credentials\n"
               "  simulate        run the script as a real action would (--transition, --script, --timeout),\n"
               "                  with a synthetic event: no Auto Scaling call, no queue; prints the result\n"
               "  check           verify the set-up from this instance, one line per check (exit 0 when all pass)\n"
               "\n"
               "Options (flag, then the environment variable; a config file may set the same variables):\n"
               "  --config FILE                        HOOKD_CONFIG                   KEY=VALUE file (default /etc/hookd/hookd.conf)\n"
               "%s"
               "  -h, --help                         print this help and exit\n"
               "  -V, --version                      print the version and exit\n"
               "\n"
               "Standard AWS variables work as in the AWS CLI: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
               "AWS_SESSION_TOKEN, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_REGION,\n"
               "AWS_ENDPOINT_URL[_SQS|_AUTO_SCALING|_S3], AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS,\n"
               "AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT, HTTPS_PROXY, NO_PROXY.\n"
               "\n"
               "The script gets HOOKD_TRANSITION, HOOKD_INSTANCE_ID, HOOKD_GROUP, HOOKD_HOOK,\n"
               "HOOKD_ACTION_TOKEN, HOOKD_NOTIFICATION_METADATA, HOOKD_REGION and AWS_REGION.\n"
               "\n"
               "Signals: SIGTERM/SIGINT stop receiving; a running action may finish within\n"
               "--shutdown-grace, then its script is stopped and the action completed with the\n"
               "failure result. A second SIGTERM stops the script at once. SIGHUP reopens --log-file.\n"
               "\n"
               "Exit status:\n"
               "  0  stopped normally, or another hookd already holds the lock\n"
               "  1  a start-up failure (state directory, log file, credentials, AWS set-up)\n"
               "  2  invalid command line or configuration\n",
               config::help_table().c_str());
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// flock on STATE_DIR/hookd.lock: held for the process's life. nullopt: another hookd has it
/// (its pid in `holder`); an error: the directory or file is unusable.
outcome<std::optional<int>> take_lock(const std::string& state_dir, std::string& holder) {
  if (auto p = ensure_private_dir(state_dir); !p) return p.error();
  const auto path = state_dir + "/hookd.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::io_failed, "cannot open lock file " + path + ": " + std::strerror(errno) +
                                           "; set --state-dir to a writable directory");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    [[maybe_unused]] auto n = ::pread(fd, buf, sizeof buf - 1, 0);
    holder = std::string(buf).substr(0, std::string(buf).find('\n'));
    ::close(fd);
    return std::optional<int>{};
  }
  const auto pid = std::to_string(::getpid()) + "\n";
  [[maybe_unused]] auto t = ::ftruncate(fd, 0);
  [[maybe_unused]] auto w = ::pwrite(fd, pid.data(), pid.size(), 0);
  return std::optional<int>{fd};
}

struct aws_stack {
  std::unique_ptr<http::client> http;
  std::unique_ptr<aws::imds_client> imds;
  std::unique_ptr<aws::cached_provider> creds;
  std::unique_ptr<aws::caller> caller;
};

outcome<aws_stack> make_stack(net::io_context& ioc, const env_lookup& env, const std::string& region) {
  aws_stack st;
  auto proxy = http::proxy_settings_from_env(env);
  if (!proxy) return proxy.error();
  http::client_config hc;
  hc.env = env;
  hc.proxy = std::move(*proxy);
  st.http = std::make_unique<http::client>(ioc.get_executor(), hc);
  auto imds_cfg = aws::imds_config_from_env(env);
  if (!imds_cfg) return imds_cfg.error();
  st.imds = std::make_unique<aws::imds_client>(*st.http, *imds_cfg);
  std::vector<std::unique_ptr<aws::credentials_provider>> chain;
  chain.push_back(std::make_unique<aws::environment_provider>(env));
  chain.push_back(std::make_unique<aws::shared_files_provider>(env));
  chain.push_back(std::make_unique<aws::imds_provider>(*st.imds));
  st.creds = std::make_unique<aws::cached_provider>(std::make_unique<aws::chain_provider>(std::move(chain)),
                                                    [] { return std::chrono::system_clock::now(); });
  auto retry = aws::retry_config_from_env(env);
  if (!retry) return retry.error();
  st.caller = std::make_unique<aws::caller>(*st.http, *st.creds, region, *retry);
  return st;
}

int run_cp(const config::parse_result& cfg, const env_lookup& env) {
  std::signal(SIGHUP, SIG_IGN); // a stray SIGHUP (logrotate, a closed terminal) must not end it mid-work
  if (cfg.positional.size() != 2) {
    std::fprintf(stderr, "hookd cp: usage: hookd cp FILE|- s3://BUCKET/KEY\n");
    return exit_usage;
  }
  auto uri = aws::parse_s3_uri(cfg.positional[1]);
  if (!uri) {
    std::fprintf(stderr, "hookd cp: %s\n", uri.error().message().c_str());
    return exit_usage;
  }
  std::string src = cfg.positional[0];
  std::string tmp;
  if (src == "-") { // stdin goes through a private temporary file: S3 needs the length up front
    char name[] = "/tmp/hookd-cp-XXXXXX";
    const int fd = ::mkostemp(name, O_CLOEXEC);
    if (fd < 0) {
      std::fprintf(stderr, "hookd cp: cannot create a temporary file: %s\n", std::strerror(errno));
      return exit_failure;
    }
    char buf[65536];
    for (ssize_t n; (n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0;)
      if (::write(fd, buf, static_cast<std::size_t>(n)) != n) {
        std::fprintf(stderr, "hookd cp: cannot buffer stdin: %s\n", std::strerror(errno));
        ::close(fd);
        ::unlink(name);
        return exit_failure;
      }
    ::close(fd);
    src = tmp = name;
  }
  std::string region = cfg.s.region;
  net::io_context ioc{1};
  int rc = exit_failure;
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    auto st = make_stack(ioc, env, region.empty() ? "us-east-1" : region);
    if (!st) {
      std::fprintf(stderr, "hookd cp: %s\n", st.error().message().c_str());
      co_return;
    }
    if (region.empty()) {
      auto r = co_await st->imds->region();
      if (!r) {
        std::fprintf(stderr, "hookd cp: no region: set AWS_REGION (instance metadata: %s)\n", r.error().message().c_str());
        co_return;
      }
      region = *r;
      st = make_stack(ioc, env, region);
    }
    auto ep = aws::resolve_endpoint(aws::service::s3, region, env);
    if (!ep) {
      std::fprintf(stderr, "hookd cp: %s\n", ep.error().message().c_str());
      co_return;
    }
    aws::s3_client s3(*st->caller, *ep, aws::s3_options{cfg.s.expected_bucket_owner, false});
    auto r = co_await s3.put_object_from_file(*uri, src);
    if (!r) {
      std::fprintf(stderr, "hookd cp: %s\n", r.error().message().c_str());
      co_return;
    }
    std::printf("upload: %s to %s (%llu bytes)\n", cfg.positional[0].c_str(), uri->str().c_str(),
                static_cast<unsigned long long>(r->size));
    rc = exit_ok;
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  if (!tmp.empty()) ::unlink(tmp.c_str());
  return rc;
}

/// `hookd simulate`: the script exactly as a real action would run it (arguments, environment,
/// output capture, time limit, result logic) with a synthetic event; no Auto Scaling call, no queue.
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
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    auto st = make_stack(ioc, env, s.region.empty() ? "us-east-1" : s.region);
    if (!st) {
      std::fprintf(stderr, "hookd simulate: %s\n", st.error().message().c_str());
      co_return;
    }
    std::string region = s.region, instance = s.instance_id;
    if (region.empty())
      if (auto r = co_await st->imds->region(); r) region = *r;
    if (instance.empty())
      if (auto r = co_await st->imds->instance_id(); r) instance = *r;
    if (region.empty()) region = "us-east-1";
    if (instance.empty()) instance = "i-00000000000000000";
    st = make_stack(ioc, env, region);
    lifecycle::lifecycle_action a;
    a.token = "simulated-" + std::to_string(::getpid());
    a.group = s.group.empty() ? "simulated-group" : s.group;
    a.hook = s.hooks.empty() ? "simulated-hook" : *s.hooks.begin();
    a.instance_id = instance;
    a.transition = std::string(launch ? lifecycle::launching : lifecycle::terminating);
    a.time = std::chrono::system_clock::now();
    std::optional<aws::s3_client> s3;
    if (source.rfind("s3://", 0) == 0) {
      auto ep = aws::resolve_endpoint(aws::service::s3, region, env);
      if (!ep) {
        std::fprintf(stderr, "hookd simulate: %s\n", ep.error().message().c_str());
        co_return;
      }
      s3.emplace(*st->caller, *ep, aws::s3_options{s.expected_bucket_owner, false});
    }
    log.info("simulate-start", {{"transition", std::string(lifecycle::transition_word(a.transition))},
                                {"instance", a.instance_id}, {"script", source}, {"time_limit", format_duration(s.script_timeout)}});
    std::string why;
    auto path = co_await agent::fetch_script(s, a, source, s3 ? &*s3 : nullptr, log, why);
    proc::run_result rr;
    if (!path) rr.spawn_error = why;
    else {
      rr = co_await agent::supervise_script(agent::script_command(*path, a, region, s, env), s, a.token, log);
      agent::discard_script(*path, s);
    }
    const auto result = rr.succeeded() ? s.on_success : s.on_failure;
    std::printf("simulate: script %s after %s; hookd would complete the action with %s\n", rr.describe().c_str(),
                format_duration(rr.duration).c_str(), result.c_str());
    for (const auto& line : rr.succeeded() ? std::vector<std::string>{} : rr.tail) std::printf("  %s\n", line.c_str());
    rc = rr.succeeded() ? exit_ok : exit_failure;
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
  return rc;
}

/// `hookd check`: the whole set-up verified from the instance, one line per check with the fix.
int run_check(const config::parse_result& cfg, const env_lookup& env) {
  const auto& s = cfg.s;
  int failed = 0;
  auto line = [&](bool ok, const std::string& what, const std::string& detail) {
    if (!ok) ++failed;
    std::printf("%-5s %-22s %s\n", ok ? "ok" : "FAIL", what.c_str(), detail.c_str());
  };
  line(true, "config", s.config_file.empty() ? "no config file; flags and environment only" : "read " + s.config_file);
  line(!s.queue_url.empty(), "queue-url", s.queue_url.empty() ? "not set: set HOOKD_QUEUE_URL or --queue-url" : s.queue_url);
  const bool has_script = !s.on_terminate.empty() || !s.on_launch.empty();
  line(has_script, "script", has_script ? (s.on_terminate.empty() ? s.on_launch : s.on_terminate)
                                        : "not set: set --on-terminate (s3://bucket/key or a path)");
  auto ca = http::find_ca_bundle(env, http::path_exists, http::is_hashed_ca_dir);
  line(bool(ca), "ca-bundle", ca ? (ca->file.empty() ? ca->dir : ca->file) + " (" + ca->source + ")" : ca.error().message());

  net::io_context ioc{1};
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    auto st = make_stack(ioc, env, s.region.empty() ? "us-east-1" : s.region);
    if (!st) {
      line(false, "settings", st.error().message());
      co_return;
    }
    std::string region = s.region, instance = s.instance_id;
    if (st->imds->config().disabled) {
      line(!region.empty() && !instance.empty(), "imds", "disabled (AWS_EC2_METADATA_DISABLED)" +
                                                         std::string(region.empty() || instance.empty() ? ": then --region and --instance-id are required" : ""));
    } else {
      auto id = co_await st->imds->instance_id();
      auto reg = co_await st->imds->region();
      line(bool(id), "imds", id ? "IMDSv2 answers: instance " + *id : id.error().message());
      if (instance.empty() && id) instance = *id;
      if (region.empty() && reg) region = *reg;
    }
    line(!region.empty(), "region", region.empty() ? "unknown: set AWS_REGION or --region" : region);
    if (region.empty()) co_return;
    st = make_stack(ioc, env, region);
    auto creds = co_await st->creds->get();
    line(bool(creds), "credentials", creds ? creds->access_key_id + " from " + creds->source : creds.error().message());
    if (!creds) co_return;

    auto sqs_ep = aws::resolve_endpoint(aws::service::sqs, region, env);
    auto asg_ep = aws::resolve_endpoint(aws::service::autoscaling, region, env);
    auto s3_ep = aws::resolve_endpoint(aws::service::s3, region, env);
    if (!sqs_ep || !asg_ep || !s3_ep) {
      line(false, "endpoints", (!sqs_ep ? sqs_ep.error() : !asg_ep ? asg_ep.error() : s3_ep.error()).message());
      co_return;
    }
    if (!s.queue_url.empty()) {
      aws::sqs_client sqs(*st->caller, *sqs_ep, s.queue_url);
      auto attrs = co_await sqs.get_attributes();
      line(bool(attrs), "queue", attrs ? "reachable (GetQueueAttributes)" : attrs.error().message());
      if (attrs) {
        // On a shared queue every instance receives the others' messages: a low maxReceiveCount
        // would move a peer's notification to the dead-letter queue before its owner saw it.
        auto it = attrs->find("RedrivePolicy");
        int max_receive = 0;
        if (it != attrs->end()) {
          auto pos = it->second.find("maxReceiveCount");
          if (pos != std::string::npos) max_receive = std::atoi(it->second.c_str() + it->second.find_first_of("0123456789", pos));
        }
        const bool sane = it == attrs->end() || max_receive >= 100;
        line(sane, "redrive-policy",
             it == attrs->end() ? "none (unreadable messages stay in the queue; consider a dead-letter queue)"
             : sane ? "maxReceiveCount " + std::to_string(max_receive)
                    : "maxReceiveCount " + std::to_string(max_receive) +
                          " is too low for a queue shared by instances: raise it to 100 or more");
      }
    }
    aws::autoscaling_client asg(*st->caller, *asg_ep);
    std::string group = s.group;
    if (group.empty() && !instance.empty()) {
      auto inst = co_await asg.describe_instance(instance);
      if (inst && *inst) group = (*inst)->group;
      line(inst && *inst, "group", inst ? (*inst ? group + " (from DescribeAutoScalingInstances)"
                                                 : "instance " + instance + " is in no Auto Scaling group; set --group")
                                        : inst.error().message());
    } else {
      line(!group.empty(), "group", group.empty() ? "unknown: set --group or --instance-id" : group);
    }
    if (!group.empty()) {
      auto hooks = co_await asg.describe_lifecycle_hooks(group);
      if (!hooks) line(false, "hooks", hooks.error().message());
      else {
        int ours = 0;
        for (const auto& h : *hooks) {
          if (!s.hooks.empty() && !s.hooks.count(h.name)) continue;
          ++ours;
          const auto interval = s.heartbeat_interval.value_or(std::chrono::milliseconds(h.heartbeat_timeout * 1000 / 3));
          const bool beats = interval < std::chrono::seconds(h.heartbeat_timeout);
          const bool fits = s.script_timeout <= std::chrono::seconds(h.global_timeout);
          line(beats && fits, "hook " + h.name,
               "HeartbeatTimeout " + std::to_string(h.heartbeat_timeout) + "s, GlobalTimeout " + std::to_string(h.global_timeout) +
                   "s; " + (!beats ? "--heartbeat-interval must be shorter than HeartbeatTimeout"
                            : !fits ? "--script-timeout " + format_duration(s.script_timeout) + " exceeds the global timeout: lower it"
                                    : "heartbeat every " + format_duration(interval) + " fits"));
        }
        line(ours > 0, "hooks", std::to_string(ours) + " hook(s) of group " + group + " handled" +
                                    (ours ? "" : ": create one with --create-hook or fix --hook"));
      }
    }
    for (const auto& script : {s.on_terminate, s.on_launch}) {
      if (script.empty()) continue;
      if (script.rfind("s3://", 0) == 0) {
        auto uri = aws::parse_s3_uri(script);
        if (!uri) {
          line(false, "script-object", uri.error().message());
          continue;
        }
        aws::s3_client s3(*st->caller, *s3_ep, aws::s3_options{s.expected_bucket_owner, false});
        auto head = co_await s3.head_object(*uri);
        line(bool(head), "script-object", head ? script + " readable (" + std::to_string(head->size) + " bytes)" : head.error().message());
      } else {
        const bool exec = ::access(script.c_str(), X_OK) == 0;
        line(exec, "script-file", exec ? script + " is executable" : script + " is missing or not executable: chmod +x it");
      }
    }
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  std::printf("%s\n", failed ? (std::to_string(failed) + " check(s) failed").c_str() : "all checks passed");
  return failed ? exit_failure : exit_ok;
}

int run_agent(const config::parse_result& cfg, const env_lookup& env) {
  const auto& s = cfg.s;
  if (s.queue_url.empty()) {
    std::fprintf(stderr, "hookd: no queue: set --queue-url or HOOKD_QUEUE_URL (the SQS queue your lifecycle hook notifies)\n");
    return exit_usage;
  }
  if (s.on_terminate.empty() && s.on_launch.empty()) {
    std::fprintf(stderr, "hookd: no script: set --on-terminate (or --on-launch) to an s3://bucket/key or an absolute path\n");
    return exit_usage;
  }
  logger log(s.level == config::log_level::debug  ? log_level::debug
             : s.level == config::log_level::warn ? log_level::warn
             : s.level == config::log_level::error ? log_level::error
                                                   : log_level::info,
             s.format == config::log_format::json, s.log_file);
  std::string err;
  if (!log.reopen(err)) {
    std::fprintf(stderr, "hookd: %s\n", err.c_str());
    return exit_failure;
  }
  std::string holder;
  auto lock = take_lock(s.state_dir, holder);
  if (!lock) {
    log.error("startup-failed", {{"error", lock.error().message()}});
    return exit_failure;
  }
  if (!*lock) {
    std::fprintf(stderr, "hookd: already running (pid %s); nothing to do\n", holder.c_str());
    return exit_ok;
  }
  agent::journal journal(s.state_dir);
  if (auto p = journal.prepare(); !p) {
    log.error("startup-failed", {{"error", p.error().message()}});
    return exit_failure;
  }
  log.info("starting", {{"version", hookd::version}, {"queue", s.queue_url},
                        {"config", s.config_file.empty() ? "(none)" : s.config_file}});

  net::io_context ioc{1};
  int rc = exit_ok;
  bool stop_requested = false;
  std::unique_ptr<agent::agent> the_agent;
  net::signal_set signals(ioc, SIGTERM, SIGINT, SIGHUP);
  std::function<void()> arm = [&] {
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        std::string e;
        if (!log.reopen(e)) std::fprintf(stderr, "hookd: %s\n", e.c_str());
        else log.info("log-reopened");
      } else {
        stop_requested = true;
        if (the_agent) the_agent->stop();
        else ioc.stop(); // still starting up: nothing to finish
      }
      arm();
    });
  };
  arm();

  std::optional<aws_stack> stack;
  std::optional<aws::sqs_client> sqs;
  std::optional<aws::autoscaling_client> asg;
  std::optional<aws::s3_client> s3;
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    auto boot = make_stack(ioc, env, s.region.empty() ? "us-east-1" : s.region);
    if (!boot) {
      log.error("startup-failed", {{"error", boot.error().message()}});
      rc = exit_failure;
      co_return;
    }
    // Identity: region and instance id from IMDSv2 unless given.
    std::string region = s.region, instance = s.instance_id;
    auto backoff = s.error_backoff;
    while ((region.empty() || instance.empty()) && !stop_requested) {
      std::string problem;
      if (region.empty()) {
        auto r = co_await boot->imds->region();
        if (r) region = *r;
        else problem = r.error().message();
      }
      if (instance.empty() && problem.empty()) {
        auto r = co_await boot->imds->instance_id();
        if (r) instance = *r;
        else problem = r.error().message();
      }
      if (!problem.empty()) {
        log.warn("identity-retry", {{"problem", problem}, {"what", "set --region and --instance-id when not on EC2"}});
        net::steady_timer t(ioc, backoff);
        co_await t.async_wait(nothrow);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::minutes(5));
      }
    }
    if (stop_requested) co_return;
    auto st = make_stack(ioc, env, region);
    if (!st) {
      log.error("startup-failed", {{"error", st.error().message()}});
      rc = exit_failure;
      co_return;
    }
    stack.emplace(std::move(*st));
    auto sqs_ep = aws::resolve_endpoint(aws::service::sqs, region, env);
    auto asg_ep = aws::resolve_endpoint(aws::service::autoscaling, region, env);
    auto s3_ep = aws::resolve_endpoint(aws::service::s3, region, env);
    for (auto* e : {&sqs_ep, &asg_ep, &s3_ep})
      if (!*e) {
        log.error("startup-failed", {{"error", e->error().message()}});
        rc = exit_usage;
        co_return;
      }
    sqs.emplace(*stack->caller, *sqs_ep, s.queue_url);
    asg.emplace(*stack->caller, *asg_ep);
    s3.emplace(*stack->caller, *s3_ep, aws::s3_options{s.expected_bucket_owner, false});

    if (s.startup_jitter.count() > 0) {
      // A scale-out boots many instances at once: spread their first Auto Scaling calls.
      net::steady_timer t(ioc, jittered(s.startup_jitter, 0.0, 1.0));
      co_await t.async_wait(nothrow);
    }
    auto id = co_await agent::resolve_identity(s, region, instance, *asg, log, [&] { return stop_requested; });
    if (!id) co_return; // stopped while retrying
    if (s.create_hook) {
      aws::lifecycle_hook h;
      h.group = id->group;
      h.name = s.hooks.empty() ? "hookd" : *s.hooks.begin();
      h.transition = s.hook_transition;
      h.notification_target = s.notification_target_arn;
      h.role_arn = s.role_arn;
      h.heartbeat_timeout = s.heartbeat_timeout;
      h.default_result = s.default_result;
      auto r = co_await asg->put_lifecycle_hook(h);
      if (!r) log.error("create-hook-failed", {{"error", r.error().message()}});
      else {
        log.info("hook-created", {{"group", h.group}, {"hook", h.name}});
        id = co_await agent::resolve_identity(s, region, instance, *asg, log, [&] { return stop_requested; });
        if (!id) co_return;
      }
    }
    log.info("identity", {{"instance", id->instance_id}, {"region", id->region}, {"group", id->group},
                          {"credentials", "resolved on first call"}});
    the_agent = std::make_unique<agent::agent>(ioc.get_executor(), s, std::move(*id), *sqs, *asg, *s3, journal, log, env);
    if (stop_requested) the_agent->stop();
    rc = co_await the_agent->run();
  }, [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log.error("internal-error", {{"error", ex.what()}});
        rc = exit_failure;
      }
    }
    signals.cancel();
    ioc.stop();
  });
  ioc.run();
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  // A closed log pipe must not kill hookd mid-action (lifecycled#12); scripts get SIGPIPE back.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto env = process_env();
  auto cfg = config::load(args, env, read_text);
  if (!cfg) {
    std::fprintf(stderr, "hookd: %s\n", cfg.error().message().c_str());
    return exit_usage;
  }
  if (cfg->help) {
    print_help(stdout);
    return exit_ok;
  }
  if (cfg->version) {
    std::printf("hookd %s\n", hookd::version);
    return exit_ok;
  }
  const auto effective = config::effective_env(cfg->s, env);
  if (cfg->command == "cp") return run_cp(*cfg, effective);
  if (cfg->command == "simulate") return run_simulate(*cfg, effective);
  if (cfg->command == "check") return run_check(*cfg, effective);
  if (cfg->command != "run") {
    std::fprintf(stderr, "hookd: '%s' is not available in this build; run 'hookd --help'\n", cfg->command.c_str());
    return exit_usage;
  }
  if (!cfg->positional.empty()) {
    std::fprintf(stderr, "hookd: unexpected argument '%s'; run 'hookd --help'\n", cfg->positional[0].c_str());
    return exit_usage;
  }
  return run_agent(*cfg, effective);
}
