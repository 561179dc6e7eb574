#pragma once
// SPDX-License-Identifier: Apache-2.0
// hookd-emulator: a local AWS strict where AWS is strict. One Beast server on 127.0.0.1 (HTTP or
// HTTPS) answers SQS (JSON protocol), Auto Scaling (query protocol), S3 (path style) and IMDSv2,
// verifies the SigV4 signature of every AWS request with its own keys, records every call, and
// injects faults. Tests drive it in-process through this class; `make demo` drives the
// hookd-emulator executable through the same operations as a JSON control API under /_emulator/.
// Never linked into hookd.
#include "hookd/core/error.hpp"
#include "hookd/core/time.hpp"
#include "hookd/emulator/drain_services.hpp"
#include "hookd/emulator/test_pki.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookd::emulator {

struct options {
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::uint16_t port = 0;   ///< 0: pick a free port
  bool tls = false;
  std::string cert_file, key_file; ///< PEM, when tls
};

/// A key the emulator accepts. With `session_token` set the key is temporary and requests must
/// carry that token; past `expires` they get ExpiredToken.
struct access_key {
  std::string id;
  std::string secret;
  std::string session_token;
  std::optional<sys_time> expires;
};

enum class notification_format { direct, sns, eventbridge };

struct hook_spec {
  std::string group, name;
  std::string transition = "autoscaling:EC2_INSTANCE_TERMINATING";
  std::string queue;          ///< queue name the notifications go to
  int heartbeat_timeout = 3600;
  std::string default_result = "ABANDON";
  std::string metadata;
  notification_format format = notification_format::direct;
};

/// Makes the next `count` calls of `operation` ("ReceiveMessage", "GetObject", "*") misbehave.
struct fault {
  std::string operation = "*";
  int count = 1;
  unsigned status = 0;       ///< answer with this error (0: do not answer with an error)
  std::string code, message; ///< e.g. "ThrottlingException"
  std::chrono::milliseconds delay{0}; ///< wait before answering
  bool drop = false;         ///< send half the response, then close the connection
  /// Answer normally (still claiming keep-alive), then close the connection silently: the next
  /// request a client sends on it finds it dead, as with an idle timeout on AWS's side.
  bool close_after = false;
  /// Unset: the fault waits for its calls however long that takes. Set: calls after this time
  /// are answered normally and the fault is forgotten, as a real outage ends whether or not
  /// anybody called during it.
  std::optional<std::chrono::steady_clock::time_point> until;
};

/// One SNS Publish the emulator took.
struct published_message {
  std::string id, message, subject;
};

struct recorded_call {
  std::string service;   ///< "sqs", "autoscaling", "s3", "sns", "imds"
  std::string operation; ///< "ReceiveMessage", "CompleteLifecycleAction", "GET /latest/meta-data/instance-id"
  boost::json::object params;
  std::string access_key_id;
  unsigned status = 0;
  std::string error_code;
  std::chrono::steady_clock::time_point received{}; ///< when the request arrived
  int messages = -1;                                ///< ReceiveMessage: how many it returned
  sys_time answered{};                              ///< wall-clock time its answer was ready
};

/// One thing that happened to a message, for the fleet bench's accounting.
struct message_event {
  std::chrono::steady_clock::time_point at;
  std::string key_id; ///< the access key of the caller: one per agent in the fleet bench
  enum kind { received, released, deleted } what;
  int seconds = 0; ///< the visibility timeout the receive or the change set
};

struct message_history {
  std::string id, body;
  std::chrono::steady_clock::time_point sent;
  std::vector<message_event> events;
  bool deleted = false;
};

/// Requests of one action: how many came, and how many of them were refused for the rate.
struct request_tally {
  std::size_t calls = 0, throttled = 0;
  friend bool operator==(const request_tally&, const request_tally&) = default;
};
/// (service, action): ("elasticloadbalancing", "DescribeTargetHealth"), ("ecs", "ListTasks").
using request_counts = std::map<std::pair<std::string, std::string>, request_tally>;

struct lifecycle_action_state {
  std::string token, group, hook, instance_id, transition;
  bool active = true;
  std::string result;  ///< CONTINUE / ABANDON once completed or timed out
  bool timed_out = false;
  int heartbeats = 0;
};

class server {
public:
  server(boost::asio::any_io_executor ex, options opt);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds 127.0.0.1 and starts accepting. Fails when the port is taken or the certificate unreadable.
  outcome<std::uint16_t> start();
  void stop();
  std::uint16_t port() const;
  /// "http://127.0.0.1:PORT" or "https://...".
  std::string url() const;

  // --- scenario set-up ---------------------------------------------------------------------
  void add_key(access_key k);
  /// Creates a queue; returns its URL.
  std::string create_queue(const std::string& name, int visibility_timeout = 30);
  std::string queue_url(const std::string& name) const;
  std::string queue_arn(const std::string& name) const;
  void set_queue_attribute(const std::string& queue, const std::string& name, const std::string& value);
  /// Stable order (the default: the oldest visible messages first, every time) or shuffled, as a
  /// standard queue's many partitions hand them out.
  void set_queue_shuffled(const std::string& queue, bool shuffled);
  /// SQS's in-flight limit (120,000 on a standard queue): at it, receives return nothing.
  void set_inflight_limit(const std::string& queue, std::size_t limit);
  /// Auto Scaling's account-wide request rate: a token bucket of `burst` refilled at `per_second`,
  /// shared by every caller; past it calls get `Throttling` / "Rate exceeded". 0: unlimited.
  void set_autoscaling_rate(double per_second, double burst);
  /// Opens another (plain HTTP) listener that answers instance metadata for `instance_id`, so many
  /// agents on one machine each have an instance of their own. Returns its port.
  outcome<std::uint16_t> add_imds_instance(const std::string& instance_id);
  /// Sends a message as another producer would; returns its message id.
  std::string send_message(const std::string& queue, const std::string& body);
  void create_group(const std::string& group, const std::vector<std::string>& instances);
  /// Creates or updates a hook; a new hook posts autoscaling:TEST_NOTIFICATION to its queue.
  void put_hook(const hook_spec& spec);
  void put_object(const std::string& bucket, const std::string& key, std::string data);
  /// An SNS topic; returns its ARN. `publish_denied`: Publish answers 403 AuthorizationError.
  std::string create_topic(const std::string& name, bool publish_denied = false);
  /// What was published to a topic, oldest first.
  std::vector<published_message> published(const std::string& topic_arn) const;
  /// Puts a bucket in another region: requests for it at this endpoint get S3's
  /// 301 PermanentRedirect with `x-amz-bucket-region`.
  void set_bucket_region(const std::string& bucket, const std::string& region);
  std::optional<std::string> object(const std::string& bucket, const std::string& key) const;
  /// The instance IMDS speaks for, its role and how long its rotating credentials live.
  void set_imds_identity(const std::string& instance_id, const std::string& role,
                         std::chrono::seconds credential_lifetime = std::chrono::hours(6));
  void set_spot_action(std::optional<std::string> json);
  /// One instance's metadata item under /latest/meta-data/ (spot/instance-action,
  /// events/recommendations/rebalance, events/maintenance/scheduled); nullopt removes it (404).
  void set_imds_item(const std::string& instance_id, const std::string& path, std::optional<std::string> body);
  /// Time from a transition's start to its wait state. Meanwhile the target lifecycle state already
  /// reads Terminated, the group shows Terminating (or Pending), and heartbeats and completions
  /// answer "No active Lifecycle Action found", as on AWS while the load balancer drains.
  void set_activation_delay(std::chrono::milliseconds d);
  void add_fault(fault f);
  /// Every answer of `service` ("sqs", "autoscaling", "s3", "imds"; "*" for all) waits `d` first,
  /// as a round trip from an instance does (about 50 ms to Auto Scaling): answered in 1 ms, a
  /// backlog of calls hides how long it takes to serve. 0 removes it. A service's own delay wins
  /// over "*".
  void set_answer_delay(const std::string& service, std::chrono::milliseconds d);
  /// The outage is over: every fault still waiting for calls is dropped.
  void clear_faults();
  /// Calls still to be faulted: a fault's call counts as taken when it arrives, before any
  /// delay, so a test can act while a delayed call is in flight.
  int faults_left(const std::string& operation) const;
  void set_clock_skew(std::chrono::seconds skew);
  /// Moves the emulator's timers forward (lifecycle-action timeouts, message visibility), so a
  /// test can see a 30 s heartbeat timeout pass without waiting for it.
  void advance(std::chrono::seconds by);

  // --- load balancers and ECS (drain_services.hpp; elbv2.cpp, ecs.cpp) ------------------------
  /// Creates a target group with its registrations; returns its ARN.
  std::string add_target_group(const target_group_spec& spec);
  /// The group's registrations now (a deregistered one reads `draining` until its time is over).
  std::vector<target_view> targets(const std::string& group_arn) const;
  /// DescribeTargetGroups answers at most this many groups a page (400, as ELB), so tests page.
  void set_elbv2_page_limit(int groups);
  /// Registers a container instance with its running tasks; returns its ARN.
  std::string add_container_instance(const container_instance_spec& spec);
  /// ACTIVE or DRAINING ("" for an unknown ARN).
  std::string container_instance_status(const std::string& arn) const;
  /// ListContainerInstances ignores its filter and answers every instance of the cluster, as a
  /// faulty or hostile endpoint might: a client must check ec2InstanceId itself.
  void set_ecs_filter_ignored(bool ignored);
  /// An account-wide request budget for "elasticloadbalancing" or "ecs", as for Auto Scaling:
  /// past it, calls get ThrottlingException, "Rate exceeded". 0: unlimited.
  void set_service_rate(const std::string& service, double per_second, double burst);

  // --- transitions --------------------------------------------------------------------------
  /// Scale-in of `instance`: every terminating hook of its group gets a lifecycle action and a
  /// notification. Returns the action tokens.
  std::vector<std::string> terminate_instance(const std::string& group, const std::string& instance);
  std::vector<std::string> launch_instance(const std::string& group, const std::string& instance);
  /// Scale-in with ReuseOnScaleIn into a running warm pool: the instance reads Warmed:Running and
  /// keeps running; a later launch_instance is its launch out of the pool.
  void return_to_warm_pool(const std::string& group, const std::string& instance);
  /// A launch into the warm pool: the group's launching hooks' actions (Destination WarmPool), the
  /// instance in Warmed:Pending:Wait, then Warmed:<pool state> once they are completed.
  /// launch_instance of an instance in the pool is its leg out (Origin WarmPool).
  std::vector<std::string> launch_into_warm_pool(const std::string& group, const std::string& instance);
  /// Scale-in with ReuseOnScaleIn, with hooks: the group's terminating hooks' actions (Origin
  /// AutoScalingGroup, Destination WarmPool), the instance in Warmed:Pending:Wait, then
  /// Warmed:<pool state> once they are completed.
  std::vector<std::string> scale_in_to_warm_pool(const std::string& group, const std::string& instance);
  /// The pool's state its instances settle in: "Running" (default), "Stopped" or "Hibernated";
  /// metadata's target lifecycle state reads Warmed:<it> on the way in.
  void set_warm_pool_state(const std::string& state);

  // --- inspection ---------------------------------------------------------------------------
  std::vector<recorded_call> calls() const;
  std::vector<recorded_call> calls(const std::string& operation) const;
  std::optional<lifecycle_action_state> action(const std::string& token) const;
  std::vector<lifecycle_action_state> actions() const;
  /// Every message the queue has held, with what happened to it (deleted ones included).
  std::vector<message_history> message_histories(const std::string& queue) const;
  /// Requests counted by service and action: every caller's, or only those signed with
  /// `access_key_id` (one agent's, in the fleet bench). Cheap: no call record is copied.
  request_counts requests(const std::string& access_key_id = {}) const;
  /// Auto Scaling calls answered with Throttling so far.
  int autoscaling_throttled() const;
  /// TLS handshakes completed so far: `full` ones verified a certificate chain on the client's
  /// side, `resumed` ones took up an earlier session. A client that reuses its connections or
  /// sessions shows no new full one for a request.
  struct handshake_counts {
    std::size_t full = 0, resumed = 0;
  };
  handshake_counts tls_handshakes() const;
  /// Messages in the queue, visible or in flight.
  std::size_t queue_depth(const std::string& queue) const;
  std::string instance_state(const std::string& group, const std::string& instance) const;
  /// A JSON snapshot of everything (the control API's GET /_emulator/state).
  boost::json::object snapshot() const;

  /// Applies a control-API command (`/_emulator/<command>` with a JSON body) and returns the
  /// JSON answer; the hookd-emulator executable and `make demo` use this.
  outcome<boost::json::object> control(const std::string& command, const boost::json::object& body);

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

/// An emulator over TLS on 127.0.0.1 with a throw-away CA written to `dir`: what the benches and
/// the soak start.
struct tls_emulator {
  pki_files pki;
  std::unique_ptr<server> emu;
  std::string ca_env() const { return "AWS_CA_BUNDLE=" + pki.ca_cert; }
};
outcome<tls_emulator> start_tls_emulator(boost::asio::any_io_executor ex, const std::string& dir);

} // namespace hookd::emulator
