// SPDX-License-Identifier: Apache-2.0
// `hookd check`: the whole set-up verified from the instance, one line per check with the fix.
#include "check_drains.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"
#include "hookd/cli/commands.hpp"
#include "hookd/cli/stack.hpp"
#include "hookd/core/private_dir.hpp"
#include "hookd/notify/notifier.hpp"
#include "hookd/notify/sd_notify.hpp"
#include "hookd/notify/document.hpp"

#include <boost/asio/co_spawn.hpp>

#include <filesystem>
#include <unistd.h>

namespace hookd::cli {
namespace net = boost::asio;

namespace {

class checker {
public:
  explicit checker(const config::settings& s) : s_(s) {}
  int failed = 0;

  void line(bool ok, const std::string& what, const std::string& detail) {
    if (!ok) ++failed;
    std::printf("%-5s %-22s %s\n", ok ? "ok" : "FAIL", what.c_str(), detail.c_str());
  }

  void local(const env_lookup& env) {
    line(true, "config", s_.config_file.empty() ? "no config file; flags and environment only" : "read " + s_.config_file);
    if (s_.uses_queue())
      line(!s_.queue_url.empty(), "queue-url", s_.queue_url.empty() ? "not set: set HOOKD_QUEUE_URL or --queue-url" : s_.queue_url);
    const bool has_script = !s_.on_terminate.empty() || !s_.on_launch.empty();
    line(has_script, "script", has_script ? (s_.on_terminate.empty() ? s_.on_launch : s_.on_terminate)
                                          : "not set: set --on-terminate (s3://bucket/key or a path)");
    auto ca = http::find_ca_bundle(env, http::path_exists, http::is_hashed_ca_dir);
    line(bool(ca), "ca-bundle", ca ? (ca->file.empty() ? ca->dir : ca->file) + " (" + ca->source + ")" : ca.error().message());
    systemd(env);
    if (!s_.metrics_file.empty()) { // the rule `run` refuses to start without
      auto m = check_output_dir(std::filesystem::path(s_.metrics_file).parent_path().string(), "--metrics-file");
      line(bool(m), "metrics-file", m ? s_.metrics_file : m.error().message());
    }
  }

  /// IMDS, region and credentials. False when nothing further can be checked.
  net::awaitable<bool> identity(aws_stack& st) {
    std::string region = s_.region;
    if (st.imds->config().disabled) {
      const bool given = !region.empty() && !s_.instance_id.empty();
      line(given && !s_.uses_imds(), "imds",
           "disabled (AWS_EC2_METADATA_DISABLED)" +
               std::string(!given ? ": then --region and --instance-id are required"
                           : s_.uses_imds() ? ": --trigger imds needs it" : ""));
      st.instance_id = s_.instance_id;
    } else {
      auto id = co_await st.imds->instance_id();
      auto reg = co_await st.imds->region();
      line(bool(id), "imds", id ? "IMDSv2 answers: instance " + *id : id.error().message());
      st.instance_id = !s_.instance_id.empty() ? s_.instance_id : id ? *id : "";
      if (region.empty() && reg) region = *reg;
      if (id && s_.uses_imds()) co_await imds_paths(st);
    }
    line(!region.empty(), "region", region.empty() ? "unknown: set AWS_REGION or --region" : region);
    if (region.empty()) co_return false;
    if (auto f = st.finish(region); !f) {
      line(false, "settings", f.error().message());
      co_return false;
    }
    auto creds = co_await st.creds->get();
    line(bool(creds), "credentials", creds ? creds->access_key_id + " from " + creds->source : creds.error().message());
    co_return bool(creds);
  }

  /// The metadata paths the IMDS trigger polls answer (404 is an answer: nothing published yet).
  net::awaitable<void> imds_paths(aws_stack& st) {
    for (const char* path : {"autoscaling/target-lifecycle-state", "spot/instance-action",
                             "events/recommendations/rebalance", "events/maintenance/scheduled"}) {
      auto r = co_await st.imds->get(path);
      line(bool(r), std::string("imds ") + path,
           r ? (*r ? "answers: " + r->value().substr(0, 60) : std::string("answers: nothing published yet (404)"))
             : r.error().message());
    }
  }

  net::awaitable<void> queue(aws::caller& c, const aws::resolved_endpoint& ep) {
    aws::sqs_client sqs(c, ep, s_.queue_url);
    auto attrs = co_await sqs.get_attributes();
    line(bool(attrs), "queue", attrs ? "reachable (GetQueueAttributes)" : attrs.error().message());
    if (!attrs) co_return;
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

  net::awaitable<std::string> group(aws::autoscaling_client& asg, const std::string& instance) {
    if (!s_.group.empty() || instance.empty()) {
      line(!s_.group.empty(), "group", s_.group.empty() ? "unknown: set --group or --instance-id" : s_.group);
      co_return s_.group;
    }
    auto inst = co_await asg.describe_instance(instance);
    std::string g = inst && *inst ? (*inst)->group : "";
    line(!g.empty(), "group", inst ? (*inst ? g + " (from DescribeAutoScalingInstances)"
                                            : "instance " + instance + " is in no Auto Scaling group; set --group")
                                   : inst.error().message());
    co_return g;
  }

  net::awaitable<void> hooks(aws::autoscaling_client& asg, const std::string& group) {
    auto hooks = co_await asg.describe_lifecycle_hooks(group);
    if (!hooks) co_return line(false, "hooks", hooks.error().message());
    int ours = 0;
    for (const auto& h : *hooks) {
      if (!s_.hooks.empty() && !s_.hooks.count(h.name)) continue;
      ++ours;
      const auto interval = s_.heartbeat_interval.value_or(std::chrono::milliseconds(h.heartbeat_timeout * 1000 / 3));
      const bool beats = interval < std::chrono::seconds(h.heartbeat_timeout);
      const bool fits = s_.script_timeout <= std::chrono::seconds(h.global_timeout);
      line(beats && fits, "hook " + h.name,
           "HeartbeatTimeout " + std::to_string(h.heartbeat_timeout) + "s, GlobalTimeout " + std::to_string(h.global_timeout) +
               "s; " + (!beats ? "--heartbeat-interval must be shorter than HeartbeatTimeout"
                        : !fits ? "--script-timeout " + format_duration(s_.script_timeout) + " exceeds the global timeout: lower it"
                                : "heartbeat every " + format_duration(interval) + " fits"));
    }
    // The IMDS trigger has no message naming a hook: without one in the group it completes nothing.
    line(ours > 0, "hooks", std::to_string(ours) + " hook(s) of group " + group + " handled" +
                                (ours ? "" : ": create one with --create-hook or fix --hook"));
  }

  net::awaitable<void> scripts(aws::caller& c, const aws::resolved_endpoint& s3_ep) {
    for (const auto& script : {s_.on_terminate, s_.on_launch, s_.on_warm}) {
      if (script.empty()) continue;
      if (script.rfind("s3://", 0) != 0) {
        const bool exec = ::access(script.c_str(), X_OK) == 0;
        line(exec, "script-file", exec ? script + " is executable" : script + " is missing or not executable: chmod +x it");
        continue;
      }
      auto uri = aws::parse_s3_uri(script);
      if (!uri) {
        line(false, "script-object", uri.error().message());
        continue;
      }
      aws::s3_client s3(c, s3_ep, aws::s3_options{s_.expected_bucket_owner, false});
      auto head = co_await s3.head_object(*uri);
      line(bool(head), "script-object", head ? script + " readable (" + std::to_string(head->size) + " bytes)" : head.error().message());
    }
  }

  /// NOTIFY_SOCKET and the watchdog, as this environment has them (systemd sets both for the unit).
  void systemd(const env_lookup& env) {
    auto sock = notify::notify_socket_path(env);
    if (!sock) return line(false, "notify-socket", sock.error().message());
    line(true, "notify-socket", *sock ? "set: READY, STATUS and STOPPING go to systemd"
                                      : "unset: not run by systemd with Type=notify (the cron path needs none)");
    const auto period = notify::watchdog_period(env, ::getpid());
    line(true, "watchdog", period ? "on: WATCHDOG=1 every " + format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(*period))
                                  : "off here (WATCHDOG_USEC unset): the unit's WatchdogSec= turns it on under systemd");
  }

  /// The readiness gate's URL: named by its origin (its path and query are not shown), asked once.
  /// What it answers now is told, not judged: at `hookd check` time the service may not be up yet.
  net::awaitable<void> ready_url(http::client& http) {
    if (s_.ready.http_url.empty()) co_return;
    auto u = config::parse_ready_url(s_.ready.http_url);
    if (!u) co_return line(false, "ready-http", u.error().message());
    http::string_request req{boost::beast::http::verb::get, u->target, 11};
    req.set(boost::beast::http::field::host, u->ep.host_header());
    http::request_options opt;
    opt.timeout = std::chrono::seconds(5);
    opt.direct = true;
    auto r = co_await http.send(u->ep, std::move(req), opt);
    line(true, "ready-http", u->origin + (r ? " answers HTTP " + std::to_string(r->result_int()) + " now"
                                            : " does not answer now (" + r.error().code.message() + ")") +
                                 "; after a launch script hookd waits for 2xx");
  }

  /// Each webhook: named by its origin (its path and headers are secrets); one test delivery
  /// only with --check-notify.
  net::awaitable<void> webhooks(http::client& http) {
    std::vector<notify::header> headers;
    for (const auto& h : s_.notify.headers)
      if (auto parsed = notify::parse_header(h)) headers.push_back(*parsed);
    for (const auto& url : s_.notify.urls) {
      auto t = notify::parse_webhook_url(url);
      if (!t) {
        line(false, "notify-url", t.error().message());
        continue;
      }
      const auto origin = t->origin;
      if (!s_.notify.check_deliver) {
        line(true, "notify-url", origin + ": not sent to (add --check-notify to POST one test notification)");
        continue;
      }
      auto d = notify::webhook(http, std::move(*t), headers, s_.notify.timeout);
      const auto test = test_delivery(); // named: GCC 12 and temporaries in co_await
      auto r = co_await d->deliver(test);
      line(bool(r), "notify-url", r ? origin + ": test notification accepted" : r.error().message() + "; check the URL and headers");
    }
  }

  /// SNS Publish is allowed only if publishing works: --check-notify publishes one test document.
  net::awaitable<void> sns(aws::caller& c, const outcome<aws::resolved_endpoint>& ep) {
    if (s_.notify.sns_topic.empty()) co_return;
    if (!ep) co_return line(false, "notify-sns-topic", ep.error().message());
    if (!s_.notify.check_deliver)
      co_return line(true, "notify-sns-topic", s_.notify.sns_topic + " at " + ep->ep.url() +
                                                   ": not published to (add --check-notify to test sns:Publish with one message)");
    aws::sns_client sns(c, *ep);
    const auto d = test_delivery();
    auto r = co_await sns.publish(s_.notify.sns_topic, d.document, d.subject, s_.notify.timeout);
    line(bool(r), "notify-sns-topic", r ? s_.notify.sns_topic + ": test notification published (MessageId " + *r + ")"
                                        : r.error().message() + "; allow sns:Publish on " + s_.notify.sns_topic + " to the instance role");
  }

private:
  notify::delivery test_delivery() const {
    agent::event e;
    e.kind = agent::event_kind::test;
    e.instance = s_.instance_id;
    e.group = s_.group;
    e.detail = "a test notification from hookd check";
    return {notify::document_json(e, "check-" + std::to_string(::getpid()), std::chrono::system_clock::now()),
            notify::sns_subject(e), "test"};
  }

  const config::settings& s_;
};

net::awaitable<void> check_all(net::io_context& ioc, const env_lookup& env, const config::settings& s, checker& c) {
  auto st = aws_stack::base(ioc, env);
  if (!st) co_return c.line(false, "settings", st.error().message());
  co_await c.webhooks(*st->http);
  co_await c.ready_url(*st->http);
  if (!co_await c.identity(*st)) co_return;
  auto sqs_ep = st->endpoint(aws::service::sqs);
  auto asg_ep = st->endpoint(aws::service::autoscaling);
  auto s3_ep = st->endpoint(aws::service::s3);
  if (!sqs_ep || !asg_ep || !s3_ep)
    co_return c.line(false, "endpoints", (!sqs_ep ? sqs_ep.error() : !asg_ep ? asg_ep.error() : s3_ep.error()).message());
  if (s.uses_queue() && !s.queue_url.empty()) co_await c.queue(*st->caller, *sqs_ep);
  aws::autoscaling_client asg(*st->caller, *asg_ep);
  const auto group = co_await c.group(asg, st->instance_id);
  if (!group.empty()) co_await c.hooks(asg, group);
  co_await c.scripts(*st->caller, *s3_ep);
  const auto sns_ep = st->endpoint(aws::service::sns); // named: GCC 12 and temporaries in co_await
  co_await c.sns(*st->caller, sns_ep);
  const check_line line = [&c](bool ok, const std::string& what, const std::string& detail) { c.line(ok, what, detail); };
  co_await check_drains(*st, s, line);
}

} // namespace

int run_check(const config::parse_result& cfg, const env_lookup& env) {
  checker c(cfg.s);
  c.local(env);
  net::io_context ioc{1};
  net::co_spawn(ioc, check_all(ioc, env, cfg.s, c), [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  std::printf("%s\n", c.failed ? (std::to_string(c.failed) + " check(s) failed").c_str() : "all checks passed");
  return c.failed ? exit_failure : exit_ok;
}

} // namespace hookd::cli
