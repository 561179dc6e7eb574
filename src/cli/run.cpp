// SPDX-License-Identifier: Apache-2.0
// `hookd run`: take the lock, build the one stack, learn the group and hooks, then hand the
// sources and the runner to the agent, and turn signals into its two-stage stop.
#include "hookd/agent/agent.hpp"
#include "hookd/agent/first_receive.hpp"
#include "hookd/cli/commands.hpp"
#include "hookd/cli/stack.hpp"
#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"
#include "hookd/core/private_dir.hpp"
#include "hookd/notify/notifier.hpp"
#include "hookd/notify/sd_notifier.hpp"
#include "hookd/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace hookd::cli {
namespace net = boost::asio;

namespace {

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

log_level level_of(config::log_level l) {
  switch (l) {
  case config::log_level::debug: return log_level::debug;
  case config::log_level::warn: return log_level::warn;
  case config::log_level::error: return log_level::error;
  default: return log_level::info;
  }
}

/// Everything after the lock: the stack, the clients, the identity, the agent. Lives as long as
/// the agent runs.
class session {
public:
  session(net::io_context& ioc, const config::settings& s, const env_lookup& env, agent::journal& j, logger& log,
          notify::sd_notifier* sd)
      : ioc_(ioc), s_(s), env_(env), journal_(j), log_(log), sd_(sd) {
    events_.add(sd_);
  }

  bool stop_requested = false;

  void stop() {
    if (!stop_requested) {
      agent::event e;
      e.kind = agent::event_kind::stopping; // STOPPING=1, also while still starting up
      events_.emit(e);
    }
    stop_requested = true;
    if (agent_) agent_->stop();
    else ioc_.stop(); // still starting up: nothing to finish
  }

  net::awaitable<int> run() {
    // Named, not a braced temporary inside co_await: GCC 12 destroys such temporaries twice.
    where_rules rules;
    rules.retry_until = [this] { return stop_requested; };
    auto st = co_await start_stack(ioc_, env_, s_, rules, &log_);
    if (stop_requested) co_return exit_ok;
    if (!st) co_return fail(st.error(), exit_failure);
    stack_.emplace(std::move(*st));
    if (auto c = make_clients(); !c) co_return fail(c.error(), exit_usage);
    if (auto n = make_notifier(); !n) co_return fail(n.error(), exit_usage);
    if (s_.startup_jitter.count() > 0) {
      // A scale-out boots many instances at once: spread their first Auto Scaling calls.
      net::steady_timer t(ioc_, jittered(s_.startup_jitter, 0.0, 1.0));
      co_await t.async_wait(nothrow);
    }
    // The queue's first receive goes out now, beside the look-up of the group's hooks: on AWS
    // these are two origins, and the first poll need not wait for the look-up's handshake and
    // round trip. Its batch is decided once the hooks are known (agent::first_receive).
    if (sqs_) first_.emplace(ioc_.get_executor(), *sqs_, log_, s_.wait_seconds);
    auto id = co_await identity();
    if (!id) {
      if (first_) co_await first_->close();
      co_return exit_ok; // stopped while retrying
    }
    log_.info("identity", {{"instance", id->instance_id}, {"region", id->region}, {"group", id->group},
                           {"credentials", "resolved on first call"}});
    agent_ = std::make_unique<agent::agent>(ioc_.get_executor(), agent::options_from(s_), std::move(*id), agent_clients(),
                                            journal_, log_, env_);
    if (stop_requested) agent_->stop();
    const int rc = co_await agent_->run();
    // What is still queued gets --notify-timeout at most: a stop waits no longer for it.
    if (notifier_) co_await notifier_->close(s_.notify.timeout);
    co_return rc;
  }

private:
  agent::clients agent_clients() {
    agent::clients c;
    c.sqs = sqs_ ? &*sqs_ : nullptr;
    c.asg = &*asg_;
    c.s3 = &*s3_;
    c.imds = stack_->imds.get();
    c.caller = stack_->caller.get();
    c.first = first_ ? &*first_ : nullptr;
    c.events = events_.empty() ? nullptr : &events_;
    c.drains.elbv2 = elbv2_ ? &*elbv2_ : nullptr;
    c.drains.ecs = ecs_ ? &*ecs_ : nullptr;
    c.http = s_.ready.http_url.empty() ? nullptr : stack_->http.get();
    c.notification_counts = notification_counts();
    return c;
  }

  int fail(const error& e, int rc) {
    log_.error("startup-failed", {{"error", e.message()}});
    return rc;
  }

  outcome<void> make_clients() {
    auto asg_ep = stack_->endpoint(aws::service::autoscaling);
    auto s3_ep = stack_->endpoint(aws::service::s3);
    if (!asg_ep) return asg_ep.error();
    if (!s3_ep) return s3_ep.error();
    if (s_.uses_queue()) {
      auto sqs_ep = stack_->endpoint(aws::service::sqs);
      if (!sqs_ep) return sqs_ep.error();
      sqs_.emplace(*stack_->caller, *sqs_ep, s_.queue_url);
    }
    asg_.emplace(*stack_->caller, *asg_ep);
    s3_.emplace(*stack_->caller, *s3_ep, aws::s3_options{s_.expected_bucket_owner, false});
    // Only the drains --drain enables get a client: the others' endpoints are never resolved.
    if (s_.drain.elbv2) {
      auto ep = stack_->endpoint(aws::service::elbv2);
      if (!ep) return ep.error();
      elbv2_.emplace(*stack_->caller, *ep);
    }
    if (s_.drain.ecs) {
      auto ep = stack_->endpoint(aws::service::ecs);
      if (!ep) return ep.error();
      ecs_.emplace(*stack_->caller, *ep);
    }
    return {};
  }

  /// Webhooks and SNS, when any is set: their lanes start now, idle until an event comes.
  outcome<void> make_notifier() {
    if (!s_.notify.any()) return {};
    if (!s_.notify.sns_topic.empty()) {
      auto ep = stack_->endpoint(aws::service::sns);
      if (!ep) return ep.error();
      sns_.emplace(*stack_->caller, *ep);
    }
    const auto started = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    const auto backoff = std::max<std::chrono::milliseconds>(s_.error_backoff / 5, std::chrono::milliseconds(100));
    auto n = notify::make_notifier(ioc_.get_executor(), s_.notify, *stack_->http, sns_ ? &*sns_ : nullptr, log_,
                                   stack_->instance_id + "-" + std::to_string(started.count()), backoff);
    if (!n) return n.error();
    notifier_ = std::move(*n);
    notifier_->start();
    events_.add(notifier_.get());
    return {};
  }

  std::function<std::map<std::string, std::uint64_t>()> notification_counts() const {
    if (!notifier_) return {};
    return [n = notifier_.get()] { return n->counts(); };
  }

  /// The group and its hooks; with --create-hook, the hook first.
  net::awaitable<outcome<agent::identity>> identity() {
    const auto give_up = [this] { return stop_requested; };
    auto id = co_await agent::resolve_identity(s_, stack_->region, stack_->instance_id, *asg_, log_, give_up);
    if (!id || !s_.create_hook) co_return id;
    aws::lifecycle_hook h;
    h.group = id->group;
    h.name = s_.hooks.empty() ? "hookd" : *s_.hooks.begin();
    h.transition = s_.hook_transition;
    h.notification_target = s_.notification_target_arn;
    h.role_arn = s_.role_arn;
    h.heartbeat_timeout = s_.heartbeat_timeout;
    h.default_result = s_.default_result;
    auto r = co_await asg_->put_lifecycle_hook(h);
    if (!r) {
      log_.error("create-hook-failed", {{"error", r.error().message()}});
      co_return id;
    }
    log_.info("hook-created", {{"group", h.group}, {"hook", h.name}});
    co_return co_await agent::resolve_identity(s_, stack_->region, stack_->instance_id, *asg_, log_, give_up);
  }

  net::io_context& ioc_;
  const config::settings& s_;
  const env_lookup& env_;
  agent::journal& journal_;
  logger& log_;
  std::optional<aws_stack> stack_;
  std::optional<aws::sqs_client> sqs_;
  std::optional<aws::autoscaling_client> asg_;
  std::optional<aws::s3_client> s3_;
  std::optional<aws::elbv2_client> elbv2_;
  std::optional<aws::ecs_client> ecs_;
  std::optional<agent::first_receive> first_;
  notify::sd_notifier* sd_;
  std::optional<aws::sns_client> sns_;
  std::unique_ptr<notify::notifier> notifier_;
  agent::event_fan_out events_; ///< systemd, then the notifier
  std::unique_ptr<agent::agent> agent_;
};

/// What must hold before anything starts; the usage line when it does not.
std::optional<std::string> unusable(const config::settings& s) {
  if (s.uses_queue() && s.queue_url.empty())
    return "no queue: set --queue-url or HOOKD_QUEUE_URL (the SQS queue your lifecycle hook notifies), "
           "or --trigger imds to take actions from instance metadata";
  if (s.on_terminate.empty() && s.on_launch.empty())
    return "no script: set --on-terminate (or --on-launch) to an s3://bucket/key or an absolute path";
  return std::nullopt;
}

} // namespace

int run_agent(const config::parse_result& cfg, const env_lookup& env) {
  const auto& s = cfg.s;
  if (auto why = unusable(s)) {
    std::fprintf(stderr, "hookd: %s\n", why->c_str());
    return exit_usage;
  }
  logger log(level_of(s.level), s.format == config::log_format::json, s.log_file);
  std::string err, holder;
  if (!log.reopen(err)) {
    std::fprintf(stderr, "hookd: %s\n", err.c_str());
    return exit_failure;
  }
  auto lock = take_lock(s.state_dir, holder);
  if (!lock) {
    log.error("startup-failed", {{"error", lock.error().message()}});
    return exit_failure;
  }
  if (!*lock) {
    std::fprintf(stderr, "hookd: already running (pid %s); nothing to do\n", holder.c_str());
    return exit_ok;
  }
  if (!s.metrics_file.empty())
    if (auto m = check_output_dir(std::filesystem::path(s.metrics_file).parent_path().string(), "--metrics-file"); !m) {
      log.error("startup-failed", {{"error", m.error().message()}});
      return exit_failure;
    }
  agent::journal journal(s.state_dir);
  if (auto p = journal.prepare(); !p) {
    log.error("startup-failed", {{"error", p.error().message()}});
    return exit_failure;
  }
  log.info("starting", {{"version", hookd::version}, {"triggers", s.uses_queue() ? (s.uses_imds() ? "queue,imds" : "queue") : "imds"},
                        {"queue", s.uses_queue() ? s.queue_url : "(none)"},
                        {"config", s.config_file.empty() ? "(none)" : s.config_file}});
  net::io_context ioc{1};
  // systemd's notify socket, when hookd runs under Type=notify (nothing of it runs otherwise).
  auto sd = notify::sd_notifier::from_env(ioc.get_executor(), env, ::getpid(), log);
  if (!sd) {
    log.error("startup-failed", {{"error", sd.error().message()}});
    return exit_failure;
  }
  if (*sd) (*sd)->start();
  session sess(ioc, s, env, journal, log, sd->get());
  net::signal_set signals(ioc, SIGTERM, SIGINT, SIGHUP);
  std::function<void()> arm = [&] {
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig != SIGHUP) sess.stop();
      else if (std::string e; !log.reopen(e)) std::fprintf(stderr, "hookd: %s\n", e.c_str());
      else log.info("log-reopened");
      arm();
    });
  };
  arm();
  int rc = exit_ok;
  net::co_spawn(ioc, sess.run(), [&](std::exception_ptr e, int r) {
    rc = r;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log.error("internal-error", {{"error", ex.what()}});
        rc = exit_failure;
      }
    }
    signals.cancel();
    if (*sd) (*sd)->close();
    ioc.stop();
  });
  ioc.run();
  return rc;
}

} // namespace hookd::cli
