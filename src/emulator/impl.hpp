#pragma once
// SPDX-License-Identifier: Apache-2.0
// The emulator's state and request handlers, shared by its per-service sources (server, sqs,
// autoscaling, s3, imds, control). Internal to the emulator library.
#include "hookd/emulator/emulator.hpp"

#include "drain_state.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/json.hpp"
#include "hookd/crypto/digest.hpp"
#include "hookd/sigv4/canonical.hpp"
#include "hookd/sigv4/signer.hpp"
#include "hookd/sigv4/verifier.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <deque>
#include <functional>
#include <set>
#include <random>
#include <sstream>

namespace hookd::emulator {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;


inline constexpr std::string_view asg_xmlns = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
// AWS rejects a request whose X-Amz-Date is more than 5 minutes from its clock.
inline constexpr std::chrono::minutes max_skew{5};

std::string random_hex(std::size_t bytes);
std::string uuid();
std::string md5_hex(std::string_view data);
std::string iso8601_ms(sys_time t);
std::string http_date(sys_time t);
std::string xml_escape(std::string_view s);
std::optional<long long> json_int(const json::object& o, std::string_view k);


struct reply {
  reply() = default;
  reply(unsigned s, std::string b, std::string ct = "application/json")
      : status(s), body(std::move(b)), content_type(std::move(ct)) {}
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_code;
  bool drop = false;
  bool close_after = false;
  int messages = -1; ///< ReceiveMessage: how many it returned
};

struct server::impl : std::enable_shared_from_this<server::impl> {
  struct message_rec {
    std::string id, body, md5, handle;
    int receive_count = 0;
    sys_time sent;
    steady::time_point visible_at{};
    steady::time_point sent_steady{};
    std::vector<message_event> events; ///< who received, released and deleted it, and when
  };
  struct queue_rec {
    std::string name;
    int visibility = 30;
    std::map<std::string, std::string> attrs;
    std::deque<message_rec> msgs;
    std::vector<message_history> gone;       ///< deleted messages, with their histories
    bool shuffled = false;                   ///< receive in random order, as a standard queue does
    std::size_t inflight_limit = 120000;     ///< SQS's limit for a standard queue
    std::unique_ptr<net::steady_timer> notify; ///< the visibility watcher's timer; cancel() re-arms it
    std::vector<net::steady_timer*> waiters;   ///< one timer per waiting long poll
  };
  struct hook_rec {
    hook_spec spec;
    int global_timeout = 0;
  };
  struct action_rec {
    lifecycle_action_state state;
    steady::time_point deadline, global_deadline;
    std::string default_result;
    int heartbeat_timeout = 0;
    steady::time_point active_from{}; ///< before it, Auto Scaling answers "No active Lifecycle Action"
    int leg = 0; ///< which transition() made it: an instance's earlier legs (a warm pool's) do not settle its latest
  };
  int legs_started = 0;

  impl(net::any_io_executor e, options o) : ex(std::move(e)), opt(std::move(o)), acceptor(ex) {}

  net::any_io_executor ex;
  options opt;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  std::map<std::string, access_key> keys;
  std::map<std::string, queue_rec> queues;
  std::map<std::string, std::map<std::string, std::string>> groups; // group -> instance -> state
  std::vector<hook_rec> hooks;
  std::map<std::string, action_rec> actions;
  std::vector<std::string> action_order;
  std::map<std::string, std::map<std::string, std::string>> buckets;
  std::map<std::string, std::string> bucket_regions;
  std::string imds_instance, imds_role;
  std::chrono::seconds imds_lifetime{6 * 3600};
  std::optional<access_key> imds_key;
  std::map<std::string, steady::time_point> imds_tokens;
  std::optional<std::string> spot_action;
  /// Per-instance metadata items (spot/instance-action, events/...): path -> body.
  std::map<std::string, std::map<std::string, std::string>> imds_items;
  /// Between a transition's start and its wait state: the load balancer's draining, during which
  /// the group shows Terminating (Pending) and the action is not active yet.
  std::chrono::milliseconds activation_delay{0};
  /// The warm pool's pool state: an instance settles in Warmed:<this> (Running, Stopped, Hibernated).
  std::string warm_pool_state = "Running";
  std::vector<fault> faults;
  std::map<std::string, std::chrono::milliseconds> answer_delay; ///< service (or "*") -> wait before answering
  std::chrono::milliseconds answer_delay_for(const std::string& svc) const {
    for (const auto& key : {svc, std::string("*")})
      if (auto it = answer_delay.find(key); it != answer_delay.end()) return it->second;
    return std::chrono::milliseconds(0);
  }
  std::chrono::seconds skew{0};
  std::vector<recorded_call> calls;
  server::handshake_counts handshakes;
  bool stopped = false;
  std::mt19937_64 rng{std::random_device{}()};
  /// Auto Scaling's account-wide request budget (a token bucket; rate 0: unlimited).
  struct token_bucket {
    double rate = 0, burst = 0, tokens = 0;
    steady::time_point last{};
    int throttled = 0;
    bool take(steady::time_point t);
  } asg_bucket;

  sys_time now() const { return std::chrono::system_clock::now() + skew; }
  std::string base_url() const { return std::string(opt.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }

  // ---- set-up helpers ----
  queue_rec* find_queue_by_url(const std::string& url);
  queue_rec* find_queue_by_arn(const std::string& arn);
  std::string url_of(const std::string& name) const { return base_url() + "/" + opt.account_id + "/" + name; }
  std::string arn_of(const std::string& name) const { return "arn:aws:sqs:" + opt.region + ":" + opt.account_id + ":" + name; }
  std::string group_arn(const std::string& group) const;

  std::string enqueue(const std::string& queue, std::string body);

  std::string wrap(const std::string& direct, notification_format f, const std::string& transition,
                   const std::string& instance, const json::object& detail);

  /// `warm`: into the warm pool (Destination WarmPool; the instance waits in Warmed:Pending:Wait).
  std::vector<std::string> transition(const std::string& group, const std::string& instance, bool terminating, bool warm = false);

  void settle_instance(const std::string& group, const std::string& instance);

  void expire_actions();

  // ---- error shapes ----
  static reply sqs_error(unsigned status, const std::string& code, const std::string& message,
                         const std::string& query_code = {});
  static reply query_error(unsigned status, const std::string& code, const std::string& message);
  static reply s3_error(unsigned status, const std::string& code, const std::string& message, bool head = false);
  static reply error_for(const std::string& svc, unsigned status, const std::string& code, const std::string& message,
                         bool head = false);

  // ---- SigV4 ----
  std::optional<reply> authenticate(const bhttp::request<bhttp::string_body>& req, const std::string& svc,
                                    const std::string& path, const std::string& raw_query, std::string& key_id,
                                    bool head);

  // ---- SQS ----
  /// `alive`: whether the caller is still connected (a long poll whose client left takes nothing).
  using alive_fn = std::function<bool()>;
  net::awaitable<reply> sqs(const std::string& op, const json::object& body, const std::string& key_id, const alive_fn& alive);
  /// Wakes waiting long polls for the messages visible now, and re-arms the visibility watcher.
  void poke(queue_rec& q);
  void wake_waiters(queue_rec& q);
  net::awaitable<void> watch_visibility(queue_rec& q);
  json::array take(queue_rec& q, long long max, long long vis, const std::string& key_id);
  void remove_message(queue_rec& q, std::deque<message_rec>::iterator it, const std::string& key_id);
  void set_visibility(message_rec& m, long long vis, const std::string& key_id);

  std::deque<message_rec>::iterator find_handle(queue_rec& q, const std::string& handle);

  net::awaitable<reply> receive(queue_rec& q, const json::object& body, const std::string& key_id, const alive_fn& alive);

  reply batch(queue_rec& q, const std::string& op, const json::object& body, const std::string& key_id);

  // ---- Auto Scaling ----
  static std::string asg_ok(const std::string& action, const std::string& result_inner);

  reply autoscaling(const std::string& action, const std::map<std::string, std::string>& p);

  void put_hook_spec(const hook_spec& s);

  // ---- Elastic Load Balancing v2 and ECS (elbv2.cpp, ecs.cpp) ----
  elbv2_state elb;
  ecs_state ecs_;
  /// Account-wide request budgets of "elasticloadbalancing" and "ecs" (rate 0 or absent: unlimited).
  std::map<std::string, token_bucket> service_buckets;
  bool take_service_token(const std::string& svc);
  void set_service_rate(const std::string& svc, double per_second, double burst);
  std::vector<target_view> target_views(const std::string& group_arn);
  /// Requests by caller's access key, then by (service, action): the fleet bench's accounting.
  std::map<std::string, emulator::request_counts> counted_requests;
  void count_request(const recorded_call& c);
  /// The drains' control commands (drain_control.cpp); nullopt when `cmd` is none of them.
  std::optional<outcome<json::object>> drain_control(const std::string& cmd, const json::object& a);
  /// The target groups' registrations and the container instances, for the `state` snapshot.
  json::object drain_snapshot();
  reply elbv2(const std::string& action, const std::map<std::string, std::string>& p);
  reply ecs(const std::string& op, const json::object& body);
  std::string add_target_group(const target_group_spec& spec);
  std::string add_container_instance(const container_instance_spec& spec);
  static reply json_error(unsigned status, const std::string& code, const std::string& message);

  // ---- S3 ----
  reply s3(const bhttp::request<bhttp::string_body>& req, const std::string& bucket, const std::string& key,
           std::string& op);

  // ---- SNS ----
  struct topic_rec {
    bool denied = false; ///< Publish answers AuthorizationError (a policy without sns:Publish)
    std::vector<published_message> published;
  };
  std::map<std::string, topic_rec> topics; ///< by ARN
  reply sns(const std::string& action, const std::map<std::string, std::string>& p);

  // ---- IMDS ----
  /// `as`: the instance this listener speaks for (empty: the one set with set_imds_identity).
  reply imds(const bhttp::request<bhttp::string_body>& req, const std::string& path, std::string& op, const std::string& as);

  // ---- one request ----
  net::awaitable<reply> handle(const bhttp::request<bhttp::string_body>& req, const std::string& imds_as, const alive_fn& alive);

  reply control_http(const std::string& command, const std::string& body);

  outcome<json::object> control(const std::string& cmd, const json::object& a);

  // ---- connections ----
  template <class Stream>
  net::awaitable<void> serve(Stream& stream, const std::string& imds_as);

  net::awaitable<void> session(tcp::socket socket, std::string imds_as);

  net::awaitable<void> accept_loop(tcp::acceptor& acc, std::string imds_as);
  std::vector<std::unique_ptr<tcp::acceptor>> imds_acceptors; ///< one per add_imds_instance
  outcome<std::uint16_t> add_imds_listener(const std::string& instance_id);
};

} // namespace hookd::emulator
