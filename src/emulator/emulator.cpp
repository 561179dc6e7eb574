#include "hookd/emulator/emulator.hpp"

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

namespace {

constexpr std::string_view asg_xmlns = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
// AWS rejects a request whose X-Amz-Date is more than 5 minutes from its clock.
constexpr std::chrono::minutes max_skew{5};

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  return crypto::to_hex(b);
}

std::string uuid() {
  auto h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

std::string md5_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return crypto::to_hex(std::span<const std::uint8_t>(out, len));
}

std::string iso8601_ms(sys_time t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  auto s = iso8601(t);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

std::string http_date(sys_time t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out.push_back(c);
    }
  }
  return out;
}

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
};

std::optional<long long> json_int(const json::object& o, std::string_view k) {
  if (auto* p = o.if_contains(k)) {
    if (p->is_int64()) return p->as_int64();
    if (p->is_uint64()) return static_cast<long long>(p->as_uint64());
    if (p->is_string()) {
      try {
        return std::stoll(std::string(p->as_string()));
      } catch (...) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

} // namespace

// ================================================================================================
struct server::impl : std::enable_shared_from_this<server::impl> {
  struct message_rec {
    std::string id, body, md5, handle;
    int receive_count = 0;
    sys_time sent;
    steady::time_point visible_at{};
  };
  struct queue_rec {
    std::string name;
    int visibility = 30;
    std::map<std::string, std::string> attrs;
    std::deque<message_rec> msgs;
    std::unique_ptr<net::steady_timer> notify;
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
  };

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
  std::vector<fault> faults;
  std::chrono::seconds skew{0};
  std::vector<recorded_call> calls;
  bool stopped = false;

  sys_time now() const { return std::chrono::system_clock::now() + skew; }
  std::string base_url() const { return std::string(opt.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }

  // ---- set-up helpers ----
  queue_rec* find_queue_by_url(const std::string& url) {
    const auto slash = url.rfind('/');
    if (slash == std::string::npos) return nullptr;
    auto it = queues.find(url.substr(slash + 1));
    if (it == queues.end()) return nullptr;
    // The account segment must match too, as in AWS.
    if (url.find("/" + opt.account_id + "/") == std::string::npos) return nullptr;
    return &it->second;
  }
  queue_rec* find_queue_by_arn(const std::string& arn) {
    const auto colon = arn.rfind(':');
    if (colon == std::string::npos || arn.rfind("arn:aws:sqs:", 0) != 0) return nullptr;
    auto it = queues.find(arn.substr(colon + 1));
    return it == queues.end() ? nullptr : &it->second;
  }
  std::string url_of(const std::string& name) const { return base_url() + "/" + opt.account_id + "/" + name; }
  std::string arn_of(const std::string& name) const { return "arn:aws:sqs:" + opt.region + ":" + opt.account_id + ":" + name; }
  std::string group_arn(const std::string& group) const {
    return "arn:aws:autoscaling:" + opt.region + ":" + opt.account_id +
           ":autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/" + group;
  }

  std::string enqueue(const std::string& queue, std::string body) {
    auto& q = queues.at(queue);
    message_rec m;
    m.id = uuid();
    m.md5 = md5_hex(body);
    m.body = std::move(body);
    m.sent = now();
    m.visible_at = steady::now();
    q.msgs.push_back(std::move(m));
    q.notify->cancel(); // wakes long polls
    return q.msgs.back().id;
  }

  std::string wrap(const std::string& direct, notification_format f, const std::string& transition,
                   const std::string& instance, const json::object& detail) {
    if (f == notification_format::sns) {
      json::object env{{"Type", "Notification"},
                       {"MessageId", uuid()},
                       {"TopicArn", "arn:aws:sns:" + opt.region + ":" + opt.account_id + ":asg-lifecycle"},
                       {"Subject", "Auto Scaling:  Lifecycle action '" +
                                       std::string(transition.find("TERMINATING") != std::string::npos ? "TERMINATING" : "LAUNCHING") +
                                       "' for instance " + instance + " in progress."},
                       {"Message", direct},
                       {"Timestamp", iso8601_ms(now())},
                       {"SignatureVersion", "1"},
                       {"Signature", "EXAMPLE" + random_hex(32)},
                       {"SigningCertURL", "https://sns." + opt.region + ".amazonaws.com/SimpleNotificationService-example.pem"},
                       {"UnsubscribeURL", "https://sns." + opt.region + ".amazonaws.com/?Action=Unsubscribe"}};
      return json::serialize(env);
    }
    if (f == notification_format::eventbridge && !detail.empty()) {
      const bool term = transition.find("TERMINATING") != std::string::npos;
      json::object ev{{"version", "0"},
                      {"id", uuid()},
                      {"detail-type", term ? "EC2 Instance-terminate Lifecycle Action" : "EC2 Instance-launch Lifecycle Action"},
                      {"source", "aws.autoscaling"},
                      {"account", opt.account_id},
                      {"time", iso8601(now())},
                      {"region", opt.region},
                      {"resources", json::array{json::string(group_arn(string_field(detail, "AutoScalingGroupName")))}},
                      {"detail", detail}};
      return json::serialize(ev);
    }
    return direct;
  }

  std::vector<std::string> transition(const std::string& group, const std::string& instance, bool terminating) {
    expire_actions();
    std::vector<std::string> tokens;
    auto& g = groups.at(group);
    const std::string transition_name =
        terminating ? "autoscaling:EC2_INSTANCE_TERMINATING" : "autoscaling:EC2_INSTANCE_LAUNCHING";
    for (const auto& h : hooks) {
      if (h.spec.group != group || h.spec.transition != transition_name) continue;
      action_rec a;
      a.state = {uuid(), group, h.spec.name, instance, transition_name, true, "", false, 0};
      a.heartbeat_timeout = h.spec.heartbeat_timeout;
      a.deadline = steady::now() + std::chrono::seconds(h.spec.heartbeat_timeout);
      a.global_deadline = steady::now() + std::chrono::seconds(h.global_timeout);
      a.default_result = h.spec.default_result;
      json::object detail{{"Origin", terminating ? "AutoScalingGroup" : "EC2"},
                          {"Destination", terminating ? "EC2" : "AutoScalingGroup"},
                          {"LifecycleActionToken", a.state.token},
                          {"AutoScalingGroupName", group},
                          {"LifecycleHookName", h.spec.name},
                          {"EC2InstanceId", instance},
                          {"LifecycleTransition", transition_name}};
      if (!h.spec.metadata.empty()) detail["NotificationMetadata"] = h.spec.metadata;
      json::object direct = detail;
      direct["AccountId"] = opt.account_id;
      direct["RequestId"] = uuid();
      direct["Service"] = "AWS Auto Scaling";
      direct["Time"] = iso8601_ms(now());
      if (queues.count(h.spec.queue))
        enqueue(h.spec.queue, wrap(json::serialize(direct), h.spec.format, transition_name, instance, detail));
      tokens.push_back(a.state.token);
      action_order.push_back(a.state.token);
      actions.emplace(a.state.token, std::move(a));
    }
    g[instance] = tokens.empty() ? (terminating ? "Terminated" : "InService")
                                 : (terminating ? "Terminating:Wait" : "Pending:Wait");
    return tokens;
  }

  void settle_instance(const std::string& group, const std::string& instance) {
    bool any_active = false;
    bool abandoned = false;
    std::string transition_name;
    for (const auto& [_, a] : actions) {
      if (a.state.group != group || a.state.instance_id != instance) continue;
      if (a.state.active) any_active = true;
      if (a.state.result == "ABANDON") abandoned = true;
      transition_name = a.state.transition;
    }
    if (any_active || !groups.count(group)) return;
    const bool terminating = transition_name.find("TERMINATING") != std::string::npos;
    groups[group][instance] = terminating ? "Terminated" : (abandoned ? "Terminated" : "InService");
  }

  void expire_actions() {
    const auto t = steady::now();
    for (auto& [_, a] : actions) {
      if (!a.state.active) continue;
      if (t >= a.deadline || t >= a.global_deadline) {
        a.state.active = false;
        a.state.timed_out = true;
        a.state.result = a.default_result;
        settle_instance(a.state.group, a.state.instance_id);
      }
    }
  }

  // ---- error shapes ----
  static reply sqs_error(unsigned status, const std::string& code, const std::string& message,
                         const std::string& query_code = {}) {
    reply r;
    r.status = status;
    r.content_type = "application/x-amz-json-1.0";
    r.body = json::serialize(json::object{{"__type", "com.amazonaws.sqs#" + code}, {"message", message}});
    r.headers.emplace_back("x-amzn-query-error", (query_code.empty() ? code : query_code) + ";Sender");
    r.error_code = code;
    return r;
  }
  static reply query_error(unsigned status, const std::string& code, const std::string& message) {
    reply r;
    r.status = status;
    r.content_type = "text/xml";
    r.body = "<ErrorResponse xmlns=\"" + std::string(asg_xmlns) + "\"><Error><Type>Sender</Type><Code>" + xml_escape(code) +
             "</Code><Message>" + xml_escape(message) + "</Message></Error><RequestId>" + uuid() +
             "</RequestId></ErrorResponse>";
    r.error_code = code;
    return r;
  }
  static reply s3_error(unsigned status, const std::string& code, const std::string& message, bool head = false) {
    reply r;
    r.status = status;
    r.content_type = "application/xml";
    if (!head)
      r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + xml_escape(code) + "</Code><Message>" +
               xml_escape(message) + "</Message><RequestId>" + random_hex(8) + "</RequestId></Error>";
    r.error_code = code;
    return r;
  }
  static reply error_for(const std::string& svc, unsigned status, const std::string& code, const std::string& message,
                         bool head = false) {
    if (svc == "sqs") return sqs_error(status, code, message);
    if (svc == "s3") return s3_error(status, code, message, head);
    return query_error(status, code, message);
  }

  // ---- SigV4 ----
  std::optional<reply> authenticate(const bhttp::request<bhttp::string_body>& req, const std::string& svc,
                                    const std::string& path, const std::string& raw_query, std::string& key_id,
                                    bool head) {
    auto authz = req[bhttp::field::authorization];
    if (authz.empty())
      return error_for(svc, 403, svc == "s3" ? "AccessDenied" : "MissingAuthenticationToken",
                       "Request is missing Authentication Token", head);
    auto parsed = sigv4::parse_authorization(authz);
    if (!parsed) return error_for(svc, 400, svc == "s3" ? "AuthorizationHeaderMalformed" : "IncompleteSignature", parsed.error().message(), head);
    key_id = parsed->access_key_id;
    auto kit = keys.find(parsed->access_key_id);
    if (kit == keys.end())
      return error_for(svc, 403, svc == "s3" ? "InvalidAccessKeyId" : "InvalidClientTokenId",
                       "The security token included in the request is invalid.", head);
    const auto& key = kit->second;
    const std::string token(req["X-Amz-Security-Token"]);
    if (token != key.session_token)
      return error_for(svc, 403, svc == "s3" ? "InvalidToken" : "InvalidClientTokenId",
                       "The security token included in the request is invalid.", head);
    if (key.expires && now() >= *key.expires)
      return error_for(svc, svc == "s3" ? 400 : 403, "ExpiredToken", "The security token included in the request is expired", head);
    const std::string date(req["X-Amz-Date"]);
    auto t = parse_amz_date(date);
    if (!t) return error_for(svc, 400, svc == "s3" ? "AccessDenied" : "IncompleteSignature", "X-Amz-Date is missing or malformed", head);
    if (std::chrono::abs(*t - now()) > max_skew)
      return error_for(svc, 403, "RequestTimeTooSkewed",
                       "Signature expired: " + date + " is now earlier/later than the server time " + amz_date(now()) +
                           " by more than 5 minutes.",
                       head);
    if (parsed->region != opt.region)
      return error_for(svc, svc == "s3" ? 400 : 403, svc == "s3" ? "AuthorizationHeaderMalformed" : "SignatureDoesNotMatch",
                       "Credential should be scoped to a valid region, not '" + parsed->region + "'", head);
    if (parsed->service != svc)
      return error_for(svc, 403, "SignatureDoesNotMatch",
                       "Credential should be scoped to correct service: '" + svc + "'", head);
    if (parsed->day != date.substr(0, 8))
      return error_for(svc, 403, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date", head);
    for (const char* must : {"host", "x-amz-date"})
      if (std::find(parsed->signed_headers.begin(), parsed->signed_headers.end(), must) == parsed->signed_headers.end())
        return error_for(svc, 403, "SignatureDoesNotMatch", std::string("'") + must + "' must be a signed header", head);
    sigv4::received_request rr;
    rr.method = std::string(req.method_string());
    rr.path = path;
    rr.raw_query = raw_query;
    for (const auto& f : req) rr.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    if (svc == "s3") {
      rr.payload_hash = std::string(req["x-amz-content-sha256"]);
      if (rr.payload_hash.empty())
        return s3_error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", head);
      if (rr.payload_hash != sigv4::unsigned_payload && rr.payload_hash != crypto::sha256_hex(req.body()))
        return s3_error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", head);
    } else {
      rr.payload_hash = crypto::sha256_hex(req.body());
    }
    auto v = sigv4::verify(rr, *parsed, secret_string(key.secret), date, svc == "s3");
    if (!v.ok)
      return error_for(svc, 403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided. Check your AWS "
                       "Secret Access Key and signing method.",
                       head);
    return std::nullopt;
  }

  // ---- SQS ----
  net::awaitable<reply> sqs(const std::string& op, const json::object& body) {
    const auto url = string_field(body, "QueueUrl");
    auto* q = find_queue_by_url(url);
    if (!q)
      co_return sqs_error(400, "QueueDoesNotExist", "The specified queue does not exist.",
                          "AWS.SimpleQueueService.NonExistentQueue");
    if (op == "ReceiveMessage") co_return co_await receive(*q, body);
    if (op == "DeleteMessage") {
      auto it = find_handle(*q, string_field(body, "ReceiptHandle"));
      if (it == q->msgs.end())
        co_return sqs_error(400, "ReceiptHandleIsInvalid", "The input receipt handle is invalid.");
      q->msgs.erase(it);
      co_return reply{200, "{}"};
    }
    if (op == "ChangeMessageVisibility") {
      const auto vis = json_int(body, "VisibilityTimeout");
      if (!vis || *vis < 0 || *vis > 43200)
        co_return sqs_error(400, "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200 seconds");
      auto it = find_handle(*q, string_field(body, "ReceiptHandle"));
      if (it == q->msgs.end()) co_return sqs_error(400, "ReceiptHandleIsInvalid", "The input receipt handle is invalid.");
      if (it->visible_at <= steady::now())
        co_return sqs_error(400, "MessageNotInflight", "The message referred to is not in flight.",
                            "AWS.SimpleQueueService.MessageNotInflight");
      it->visible_at = steady::now() + std::chrono::seconds(*vis);
      q->notify->cancel();
      co_return reply{200, "{}"};
    }
    if (op == "DeleteMessageBatch" || op == "ChangeMessageVisibilityBatch") co_return batch(*q, op, body);
    if (op == "GetQueueAttributes") {
      json::object attrs;
      std::size_t visible = 0, inflight = 0;
      for (const auto& m : q->msgs) (m.visible_at <= steady::now() ? visible : inflight)++;
      attrs["ApproximateNumberOfMessages"] = std::to_string(visible);
      attrs["ApproximateNumberOfMessagesNotVisible"] = std::to_string(inflight);
      attrs["VisibilityTimeout"] = std::to_string(q->visibility);
      attrs["QueueArn"] = arn_of(q->name);
      attrs["MessageRetentionPeriod"] = "345600";
      attrs["ReceiveMessageWaitTimeSeconds"] = "0";
      for (const auto& [k, v] : q->attrs) attrs[k] = v;
      co_return reply{200, json::serialize(json::object{{"Attributes", attrs}})};
    }
    if (op == "SendMessage") {
      const auto id = enqueue(q->name, string_field(body, "MessageBody"));
      co_return reply{200, json::serialize(json::object{{"MessageId", id}, {"MD5OfMessageBody", md5_hex(string_field(body, "MessageBody"))}})};
    }
    co_return sqs_error(400, "InvalidAction", "The action " + op + " is not valid for this endpoint.");
  }

  std::deque<message_rec>::iterator find_handle(queue_rec& q, const std::string& handle) {
    return std::find_if(q.msgs.begin(), q.msgs.end(), [&](const message_rec& m) { return !handle.empty() && m.handle == handle; });
  }

  net::awaitable<reply> receive(queue_rec& q, const json::object& body) {
    const auto max = json_int(body, "MaxNumberOfMessages").value_or(1);
    const auto wait = json_int(body, "WaitTimeSeconds").value_or(0);
    const auto vis = json_int(body, "VisibilityTimeout").value_or(q.visibility);
    if (max < 1 || max > 10)
      co_return sqs_error(400, "InvalidParameterValue", "Value " + std::to_string(max) +
                                                            " for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.");
    if (wait < 0 || wait > 20)
      co_return sqs_error(400, "InvalidParameterValue", "Value for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20.");
    const auto deadline = steady::now() + std::chrono::seconds(wait);
    auto self = shared_from_this();
    for (;;) {
      json::array out;
      const auto t = steady::now();
      for (auto& m : q.msgs) {
        if (static_cast<long long>(out.size()) >= max) break;
        if (m.visible_at > t) continue;
        ++m.receive_count;
        m.handle = random_hex(24) + "-" + std::to_string(m.receive_count);
        m.visible_at = t + std::chrono::seconds(vis);
        json::object attrs{{"ApproximateReceiveCount", std::to_string(m.receive_count)},
                           {"SentTimestamp", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                m.sent.time_since_epoch())
                                                                .count())}};
        out.push_back(json::object{{"MessageId", m.id},
                                   {"ReceiptHandle", m.handle},
                                   {"MD5OfBody", m.md5},
                                   {"Body", m.body},
                                   {"Attributes", attrs}});
      }
      if (!out.empty() || t >= deadline || stopped) {
        json::object res;
        if (!out.empty()) res["Messages"] = std::move(out);
        co_return reply{200, json::serialize(res)};
      }
      auto wake = deadline;
      for (const auto& m : q.msgs)
        if (m.visible_at > t) wake = std::min(wake, m.visible_at);
      q.notify->expires_at(wake);
      co_await q.notify->async_wait(nothrow);
    }
  }

  reply batch(queue_rec& q, const std::string& op, const json::object& body) {
    const auto* entries = body.if_contains("Entries");
    if (!entries || !entries->is_array() || entries->as_array().empty())
      return sqs_error(400, "EmptyBatchRequest", "There should be at least one entry in the request.",
                       "AWS.SimpleQueueService.EmptyBatchRequest");
    const auto& arr = entries->as_array();
    if (arr.size() > 10)
      return sqs_error(400, "TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10.",
                       "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
    std::set<std::string> ids;
    for (const auto& e : arr) {
      const auto id = e.is_object() ? string_field(e.as_object(), "Id") : std::string();
      if (!ids.insert(id).second)
        return sqs_error(400, "BatchEntryIdsNotDistinct", "Id " + id + " repeated.",
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
    }
    json::array ok, failed;
    for (const auto& e : arr) {
      const auto& o = e.as_object();
      const auto id = string_field(o, "Id");
      auto it = find_handle(q, string_field(o, "ReceiptHandle"));
      if (it == q.msgs.end()) {
        failed.push_back(json::object{{"Id", id}, {"SenderFault", true}, {"Code", "ReceiptHandleIsInvalid"},
                                      {"Message", "The input receipt handle is invalid."}});
        continue;
      }
      if (op == "DeleteMessageBatch") {
        q.msgs.erase(it);
      } else {
        const auto vis = json_int(o, "VisibilityTimeout").value_or(-1);
        if (vis < 0 || vis > 43200) {
          failed.push_back(json::object{{"Id", id}, {"SenderFault", true}, {"Code", "InvalidParameterValue"},
                                        {"Message", "VisibilityTimeout must be 0 to 43200 seconds"}});
          continue;
        }
        if (it->visible_at <= steady::now()) {
          failed.push_back(json::object{{"Id", id}, {"SenderFault", true}, {"Code", "MessageNotInflight"},
                                        {"Message", "The message referred to is not in flight."}});
          continue;
        }
        it->visible_at = steady::now() + std::chrono::seconds(vis);
      }
      ok.push_back(json::object{{"Id", id}});
    }
    q.notify->cancel();
    return reply{200, json::serialize(json::object{{"Successful", ok}, {"Failed", failed}})};
  }

  // ---- Auto Scaling ----
  static std::string asg_ok(const std::string& action, const std::string& result_inner) {
    return "<" + action + "Response xmlns=\"" + std::string(asg_xmlns) + "\"><" + action + "Result>" + result_inner + "</" +
           action + "Result><ResponseMetadata><RequestId>" + uuid() + "</RequestId></ResponseMetadata></" + action +
           "Response>";
  }

  reply autoscaling(const std::string& action, const std::map<std::string, std::string>& p) {
    expire_actions();
    auto get = [&](const std::string& k) {
      auto it = p.find(k);
      return it == p.end() ? std::string() : it->second;
    };
    auto xml = [](std::string body) {
      reply r{200, std::move(body), "text/xml"};
      return r;
    };
    if (get("Version") != "2011-01-01") return query_error(400, "InvalidAction", "Version must be 2011-01-01");
    const auto group = get("AutoScalingGroupName");
    if (action == "PutLifecycleHook") {
      if (!groups.count(group)) return query_error(400, "ValidationError", "Group " + group + " not found");
      hook_spec s;
      s.group = group;
      s.name = get("LifecycleHookName");
      s.transition = get("LifecycleTransition");
      s.metadata = get("NotificationMetadata");
      if (s.name.empty()) return query_error(400, "ValidationError", "LifecycleHookName is required");
      if (s.transition != "autoscaling:EC2_INSTANCE_TERMINATING" && s.transition != "autoscaling:EC2_INSTANCE_LAUNCHING")
        return query_error(400, "ValidationError", "Invalid LifecycleTransition: " + s.transition);
      if (auto hb = get("HeartbeatTimeout"); !hb.empty()) s.heartbeat_timeout = std::atoi(hb.c_str());
      if (s.heartbeat_timeout < 30 || s.heartbeat_timeout > 7200)
        return query_error(400, "ValidationError", "HeartbeatTimeout must be between 30 and 7200");
      if (auto dr = get("DefaultResult"); !dr.empty()) s.default_result = dr;
      if (s.default_result != "CONTINUE" && s.default_result != "ABANDON")
        return query_error(400, "ValidationError", "DefaultResult must be CONTINUE or ABANDON");
      if (auto arn = get("NotificationTargetARN"); !arn.empty()) {
        auto* q = find_queue_by_arn(arn);
        if (!q) return query_error(400, "ValidationError", "Unable to publish test message to notification target " + arn);
        s.queue = q->name;
      }
      put_hook_spec(s);
      return xml(asg_ok(action, ""));
    }
    if (action == "DescribeLifecycleHooks") {
      if (!groups.count(group)) return query_error(400, "ValidationError", "Group " + group + " not found");
      std::set<std::string> names;
      for (int i = 1; p.count("LifecycleHookNames.member." + std::to_string(i)); ++i)
        names.insert(get("LifecycleHookNames.member." + std::to_string(i)));
      std::string members;
      for (const auto& h : hooks) {
        if (h.spec.group != group || (!names.empty() && !names.count(h.spec.name))) continue;
        members += "<member><LifecycleHookName>" + xml_escape(h.spec.name) + "</LifecycleHookName><AutoScalingGroupName>" +
                   xml_escape(group) + "</AutoScalingGroupName><LifecycleTransition>" + h.spec.transition +
                   "</LifecycleTransition><NotificationTargetARN>" + (h.spec.queue.empty() ? "" : arn_of(h.spec.queue)) +
                   "</NotificationTargetARN>" +
                   (h.spec.metadata.empty() ? "" : "<NotificationMetadata>" + xml_escape(h.spec.metadata) + "</NotificationMetadata>") +
                   "<HeartbeatTimeout>" + std::to_string(h.spec.heartbeat_timeout) + "</HeartbeatTimeout><GlobalTimeout>" +
                   std::to_string(h.global_timeout) + "</GlobalTimeout><DefaultResult>" + h.spec.default_result +
                   "</DefaultResult></member>";
      }
      return xml(asg_ok(action, "<LifecycleHooks>" + members + "</LifecycleHooks>"));
    }
    if (action == "DescribeAutoScalingInstances") {
      std::set<std::string> ids;
      for (int i = 1; p.count("InstanceIds.member." + std::to_string(i)); ++i) ids.insert(get("InstanceIds.member." + std::to_string(i)));
      std::string members;
      for (const auto& [g, insts] : groups)
        for (const auto& [id, state] : insts)
          if (ids.empty() || ids.count(id))
            members += "<member><InstanceId>" + id + "</InstanceId><AutoScalingGroupName>" + xml_escape(g) +
                       "</AutoScalingGroupName><AvailabilityZone>" + opt.region + "a</AvailabilityZone><LifecycleState>" +
                       state + "</LifecycleState><HealthStatus>HEALTHY</HealthStatus></member>";
      return xml(asg_ok(action, "<AutoScalingInstances>" + members + "</AutoScalingInstances>"));
    }
    if (action == "RecordLifecycleActionHeartbeat" || action == "CompleteLifecycleAction") {
      const auto token = get("LifecycleActionToken");
      const auto instance = get("InstanceId");
      const auto hook = get("LifecycleHookName");
      action_rec* found = nullptr;
      for (auto& [t, a] : actions) {
        if (!a.state.active || a.state.group != group || a.state.hook != hook) continue;
        if ((!token.empty() && t == token) || (token.empty() && !instance.empty() && a.state.instance_id == instance)) found = &a;
      }
      if (!found)
        return query_error(400, "ValidationError",
                           token.empty() ? "No active Lifecycle Action found with instance ID " + instance
                                         : "No active Lifecycle Action found with token " + token);
      if (action == "RecordLifecycleActionHeartbeat") {
        ++found->state.heartbeats;
        found->deadline = std::min(found->global_deadline, steady::now() + std::chrono::seconds(found->heartbeat_timeout));
        return xml(asg_ok(action, ""));
      }
      const auto result = get("LifecycleActionResult");
      if (result != "CONTINUE" && result != "ABANDON")
        return query_error(400, "ValidationError", "LifecycleActionResult must be CONTINUE or ABANDON");
      found->state.active = false;
      found->state.result = result;
      settle_instance(found->state.group, found->state.instance_id);
      return xml(asg_ok(action, ""));
    }
    return query_error(400, "InvalidAction", "The action " + action + " is not valid for this web service.");
  }

  void put_hook_spec(const hook_spec& s) {
    auto it = std::find_if(hooks.begin(), hooks.end(),
                           [&](const hook_rec& h) { return h.spec.group == s.group && h.spec.name == s.name; });
    hook_rec rec{s, std::min(100 * s.heartbeat_timeout, 172800)};
    if (it != hooks.end()) {
      *it = rec;
      return;
    }
    hooks.push_back(rec);
    if (queues.count(s.queue)) {
      json::object test{{"AccountId", opt.account_id},          {"RequestId", uuid()},
                        {"AutoScalingGroupARN", group_arn(s.group)}, {"AutoScalingGroupName", s.group},
                        {"Service", "AWS Auto Scaling"},           {"Event", "autoscaling:TEST_NOTIFICATION"},
                        {"Time", iso8601_ms(now())}};
      enqueue(s.queue, wrap(json::serialize(test), s.format == notification_format::sns ? s.format : notification_format::direct,
                            "", "", {}));
    }
  }

  // ---- S3 ----
  reply s3(const bhttp::request<bhttp::string_body>& req, const std::string& bucket, const std::string& key,
           std::string& op) {
    const bool head = req.method() == bhttp::verb::head;
    op = req.method() == bhttp::verb::get ? "GetObject" : head ? "HeadObject" : req.method() == bhttp::verb::put ? "PutObject" : "Unsupported";
    if (op == "Unsupported") return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    auto owner = req["x-amz-expected-bucket-owner"];
    auto b = buckets.find(bucket);
    if (b == buckets.end()) return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", head);
    if (!owner.empty() && owner != opt.account_id) return s3_error(403, "AccessDenied", "Access Denied", head);
    if (op == "PutObject") {
      b->second[key] = req.body();
      reply r{200, "", "application/xml"};
      r.headers.emplace_back("ETag", "\"" + md5_hex(req.body()) + "\"");
      return r;
    }
    auto o = b->second.find(key);
    if (o == b->second.end()) return s3_error(404, "NoSuchKey", "The specified key does not exist.", head);
    reply r{200, head ? std::string() : o->second, "application/octet-stream"};
    r.headers.emplace_back("ETag", "\"" + md5_hex(o->second) + "\"");
    if (head) r.headers.emplace_back("Content-Length", std::to_string(o->second.size()));
    return r;
  }

  // ---- IMDS ----
  reply imds(const bhttp::request<bhttp::string_body>& req, const std::string& path, std::string& op) {
    op = std::string(req.method_string()) + " " + path;
    auto text = [](unsigned status, std::string body) { return reply{status, std::move(body), "text/plain"}; };
    if (!req["X-Forwarded-For"].empty()) return text(403, "Forbidden"); // IMDSv2 refuses proxied requests
    if (path == "/latest/api/token") {
      if (req.method() != bhttp::verb::put) return text(405, "Method Not Allowed");
      const std::string ttl_text(req["X-aws-ec2-metadata-token-ttl-seconds"]);
      const int ttl = ttl_text.empty() ? 0 : std::atoi(ttl_text.c_str());
      if (ttl < 1 || ttl > 21600) return text(400, "Bad Request");
      auto token = random_hex(24);
      imds_tokens[token] = steady::now() + std::chrono::seconds(ttl);
      reply r = text(200, token);
      r.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl));
      return r;
    }
    const std::string token(req["X-aws-ec2-metadata-token"]);
    auto t = imds_tokens.find(token);
    if (token.empty() || t == imds_tokens.end() || t->second <= steady::now()) return text(401, "Unauthorized");
    const std::string prefix = "/latest/meta-data/";
    if (path.rfind(prefix, 0) != 0) return text(404, "Not Found");
    const auto item = path.substr(prefix.size());
    if (item == "instance-id" && !imds_instance.empty()) return text(200, imds_instance);
    if (item == "placement/region") return text(200, opt.region);
    if (item == "iam/security-credentials/" && !imds_role.empty()) return text(200, imds_role);
    if (!imds_role.empty() && item == "iam/security-credentials/" + imds_role) {
      // New credentials at least five minutes before the old ones expire, as EC2 does.
      if (!imds_key || now() + std::chrono::minutes(5) >= *imds_key->expires ||
          (imds_lifetime < std::chrono::minutes(10) && now() + imds_lifetime / 2 >= *imds_key->expires)) {
        access_key k{"ASIA" + random_hex(8), random_hex(20), "IQoJ" + random_hex(40), now() + imds_lifetime};
        keys[k.id] = k;
        imds_key = k;
      }
      json::object doc{{"Code", "Success"},
                       {"LastUpdated", iso8601(now())},
                       {"Type", "AWS-HMAC"},
                       {"AccessKeyId", imds_key->id},
                       {"SecretAccessKey", imds_key->secret},
                       {"Token", imds_key->session_token},
                       {"Expiration", iso8601(*imds_key->expires)}};
      return text(200, json::serialize(doc));
    }
    if (item == "autoscaling/target-lifecycle-state" && !imds_instance.empty()) {
      expire_actions();
      for (const auto& [g, insts] : groups) {
        auto it = insts.find(imds_instance);
        if (it == insts.end()) continue;
        const auto& s = it->second;
        if (s.rfind("Terminat", 0) == 0) return text(200, "Terminated");
        if (s.rfind("Detach", 0) == 0) return text(200, "Detached");
        if (s.rfind("Standby", 0) == 0 || s.rfind("EnteringStandby", 0) == 0) return text(200, "Standby");
        return text(200, "InService");
      }
      return text(404, "Not Found");
    }
    if (item == "spot/instance-action" && spot_action) return text(200, *spot_action);
    return text(404, "Not Found");
  }

  // ---- one request ----
  net::awaitable<reply> handle(const bhttp::request<bhttp::string_body>& req) {
    const std::string target(req.target());
    const auto qpos = target.find('?');
    const std::string path = target.substr(0, qpos);
    const std::string raw_query = qpos == std::string::npos ? std::string() : target.substr(qpos + 1);

    if (path.rfind("/_emulator/", 0) == 0) co_return control_http(path.substr(11), req.body());

    std::string svc, op;
    const bool head = req.method() == bhttp::verb::head;
    if (path.rfind("/latest/", 0) == 0) {
      svc = "imds";
      op = std::string(req.method_string()) + " " + path;
    } else if (auto t = req["X-Amz-Target"]; t.starts_with("AmazonSQS.")) {
      svc = "sqs";
      op = std::string(t.substr(10));
    } else if (req[bhttp::field::content_type].starts_with("application/x-www-form-urlencoded")) {
      svc = "autoscaling";
      for (const auto& [k, v] : sigv4::parse_query(req.body()))
        if (k == "Action") op = v;
    } else {
      svc = "s3";
      op = req.method() == bhttp::verb::get ? "GetObject" : head ? "HeadObject" : "PutObject";
    }

    recorded_call call;
    call.service = svc;
    call.operation = op;
    call.received = steady::now();

    // Faults first: they stand for what the network or AWS does before any logic runs.
    reply out;
    bool faulted = false, drop = false, close_after = false;
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->count <= 0 || (it->operation != "*" && it->operation != op)) continue;
      fault f = *it;
      if (--it->count <= 0) faults.erase(it);
      if (f.delay.count() > 0) {
        net::steady_timer t(ex, f.delay);
        co_await t.async_wait(nothrow);
      }
      drop = f.drop;
      close_after = f.close_after;
      if (f.status != 0) {
        out = svc == "imds" ? reply{f.status, f.message, "text/plain"} : error_for(svc, f.status, f.code, f.message, head);
        faulted = true;
      }
      break;
    }

    if (!faulted) {
      if (svc == "imds") {
        out = imds(req, path, call.operation);
      } else {
        std::string key_id;
        auto denied = authenticate(req, svc, path, raw_query, key_id, head);
        call.access_key_id = key_id;
        if (denied) {
          out = *denied;
        } else if (svc == "sqs") {
          boost::system::error_code ec;
          auto body = json::parse(req.body(), ec);
          if (ec || !body.is_object()) {
            out = sqs_error(400, "SerializationException", "Request body is not valid JSON");
          } else {
            call.params = body.as_object();
            out = co_await sqs(op, body.as_object());
          }
        } else if (svc == "autoscaling") {
          std::map<std::string, std::string> params;
          for (auto& [k, v] : sigv4::parse_query(req.body())) {
            params[k] = v;
            if (k != "Action" && k != "Version") call.params[k] = v;
          }
          out = autoscaling(op, params);
        } else {
          std::string bucket, key;
          const auto host = std::string(req[bhttp::field::host]);
          const auto local = host.rfind("127.0.0.1", 0) == 0 || host.rfind("localhost", 0) == 0;
          if (!local) { // virtual-hosted style: the bucket is the first label
            bucket = host.substr(0, host.find('.'));
            key = sigv4::uri_decode(path.substr(1));
          } else {
            const auto slash = path.find('/', 1);
            bucket = sigv4::uri_decode(path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1));
            key = slash == std::string::npos ? std::string() : sigv4::uri_decode(path.substr(slash + 1));
          }
          call.params = json::object{{"Bucket", bucket}, {"Key", key}};
          auto region = bucket_regions.find(bucket);
          if (region != bucket_regions.end() && region->second != opt.region) {
            out = s3_error(301, "PermanentRedirect",
                           "The bucket you are attempting to access must be addressed using the specified endpoint.", head);
            out.headers.emplace_back("x-amz-bucket-region", region->second);
          } else {
            out = s3(req, bucket, key, call.operation);
          }
        }
      }
    }
    out.drop = drop;
    out.close_after = close_after;
    call.status = out.status;
    call.error_code = out.error_code;
    call.answered = std::chrono::system_clock::now();
    calls.push_back(std::move(call));
    co_return out;
  }

  reply control_http(const std::string& command, const std::string& body) {
    json::object args;
    if (!body.empty()) {
      boost::system::error_code ec;
      auto v = json::parse(body, ec);
      if (ec || !v.is_object()) return reply{400, R"({"error":"body must be a JSON object"})"};
      args = v.as_object();
    }
    auto r = control(command, args);
    if (!r) return reply{400, json::serialize(json::object{{"error", r.error().message()}})};
    return reply{200, json::serialize(*r)};
  }

  outcome<json::object> control(const std::string& cmd, const json::object& a);

  // ---- connections ----
  template <class Stream>
  net::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buf;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(120));
      auto [ec, n] = co_await bhttp::async_read(stream, buf, parser, nothrow);
      if (ec) co_return;
      auto req = parser.release();
      beast::get_lowest_layer(stream).expires_never();
      auto out = co_await handle(req);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), req.version()};
      res.set(bhttp::field::server, "hookd-emulator");
      res.set(bhttp::field::date, http_date(now()));
      res.set(bhttp::field::content_type, out.content_type);
      const auto rid = uuid();
      res.set("x-amzn-RequestId", rid);
      res.set("x-amz-request-id", rid);
      bool content_length_set = false;
      for (const auto& [k, v] : out.headers) {
        res.set(k, v);
        if (k == "Content-Length") content_length_set = true;
      }
      res.body() = std::move(out.body);
      res.keep_alive(req.keep_alive());
      if (!content_length_set) res.prepare_payload();
      if (out.drop) {
        // Half a response, then the connection goes away: what a crashed proxy or LB does.
        std::ostringstream ss;
        ss << res;
        const auto text = ss.str();
        co_await net::async_write(stream, net::buffer(text.data(), text.size() / 2), nothrow);
        beast::get_lowest_layer(stream).close();
        co_return;
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
      auto [wec, wn] = co_await bhttp::async_write(stream, res, nothrow);
      if (out.close_after) {
        beast::get_lowest_layer(stream).close();
        co_return;
      }
      if (wec || !res.keep_alive()) break;
    }
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send);
  }

  net::awaitable<void> session(tcp::socket socket) {
    auto self = shared_from_this();
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, nothrow);
      if (ec) co_return;
      co_await serve(stream);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream);
    }
  }

  net::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(nothrow);
      if (ec) co_return;
      net::co_spawn(ex, session(std::move(socket)), [](std::exception_ptr) {});
    }
  }
};

// ---- control commands (the HTTP control API and the in-process API share them) -------------------
outcome<json::object> server::impl::control(const std::string& cmd, const json::object& a) {
  auto need = [&](std::string_view k) -> outcome<std::string> {
    auto v = string_field(a, k);
    if (v.empty()) return make_error(errc::invalid_input, "control '" + cmd + "': '" + std::string(k) + "' is required");
    return v;
  };
  if (cmd == "key") {
    auto id = need("id");
    auto secret = need("secret");
    if (!id || !secret) return make_error(errc::invalid_input, "control 'key': id and secret are required");
    access_key k{*id, *secret, string_field(a, "token"), std::nullopt};
    if (auto s = json_int(a, "expires_in")) k.expires = now() + std::chrono::seconds(*s);
    keys[k.id] = k;
    return json::object{{"ok", true}};
  }
  if (cmd == "queue") {
    auto name = need("name");
    if (!name) return name.error();
    auto& q = queues[*name];
    q.name = *name;
    q.visibility = static_cast<int>(json_int(a, "visibility_timeout").value_or(30));
    if (!q.notify) q.notify = std::make_unique<net::steady_timer>(ex);
    return json::object{{"url", url_of(*name)}, {"arn", arn_of(*name)}};
  }
  if (cmd == "send") {
    auto queue = need("queue");
    if (!queue) return queue.error();
    if (!queues.count(*queue)) return make_error(errc::not_found, "control 'send': no queue '" + *queue + "'");
    return json::object{{"message_id", enqueue(*queue, string_field(a, "body"))}};
  }
  if (cmd == "group") {
    auto name = need("name");
    if (!name) return name.error();
    auto& g = groups[*name];
    if (auto* list = a.if_contains("instances"); list && list->is_array())
      for (const auto& i : list->as_array())
        if (i.is_string()) g[std::string(i.as_string())] = "InService";
    return json::object{{"ok", true}};
  }
  if (cmd == "hook") {
    hook_spec s;
    auto group = need("group");
    auto name = need("name");
    if (!group || !name) return make_error(errc::invalid_input, "control 'hook': group and name are required");
    if (!groups.count(*group)) return make_error(errc::not_found, "control 'hook': no group '" + *group + "'");
    s.group = *group;
    s.name = *name;
    if (auto t = string_field(a, "transition"); !t.empty()) s.transition = t;
    s.queue = string_field(a, "queue");
    s.heartbeat_timeout = static_cast<int>(json_int(a, "heartbeat_timeout").value_or(3600));
    if (auto d = string_field(a, "default_result"); !d.empty()) s.default_result = d;
    s.metadata = string_field(a, "metadata");
    const auto fmt = string_field(a, "format");
    s.format = fmt == "sns" ? notification_format::sns : fmt == "eventbridge" ? notification_format::eventbridge : notification_format::direct;
    put_hook_spec(s);
    return json::object{{"ok", true}};
  }
  if (cmd == "object") {
    auto bucket = need("bucket");
    if (!bucket) return bucket.error();
    auto& b = buckets[*bucket];
    if (auto key = string_field(a, "key"); !key.empty()) b[key] = string_field(a, "body");
    return json::object{{"ok", true}};
  }
  if (cmd == "get-object") {
    auto bucket = need("bucket");
    auto key = need("key");
    if (!bucket || !key) return make_error(errc::invalid_input, "control 'get-object': bucket and key are required");
    auto b = buckets.find(*bucket);
    if (b == buckets.end() || !b->second.count(*key)) return make_error(errc::not_found, "no object s3://" + *bucket + "/" + *key);
    return json::object{{"body", b->second.at(*key)}};
  }
  if (cmd == "imds") {
    imds_instance = string_field(a, "instance_id");
    imds_role = string_field(a, "role");
    imds_lifetime = std::chrono::seconds(json_int(a, "credential_lifetime").value_or(6 * 3600));
    imds_key.reset();
    return json::object{{"ok", true}};
  }
  if (cmd == "spot") {
    if (auto s = string_field(a, "action"); !s.empty()) spot_action = s;
    else spot_action.reset();
    return json::object{{"ok", true}};
  }
  if (cmd == "fault") {
    fault f;
    if (auto op = string_field(a, "operation"); !op.empty()) f.operation = op;
    f.count = static_cast<int>(json_int(a, "count").value_or(1));
    f.status = static_cast<unsigned>(json_int(a, "status").value_or(0));
    f.code = string_field(a, "code");
    f.message = string_field(a, "message");
    f.delay = std::chrono::milliseconds(json_int(a, "delay_ms").value_or(0));
    if (auto* d = a.if_contains("drop"); d && d->is_bool()) f.drop = d->as_bool();
    if (auto* d = a.if_contains("close_after"); d && d->is_bool()) f.close_after = d->as_bool();
    faults.push_back(f);
    return json::object{{"ok", true}};
  }
  if (cmd == "clock") {
    skew = std::chrono::seconds(json_int(a, "skew_seconds").value_or(0));
    return json::object{{"ok", true}};
  }
  if (cmd == "terminate" || cmd == "launch") {
    auto group = need("group");
    auto instance = need("instance");
    if (!group || !instance) return make_error(errc::invalid_input, "control '" + cmd + "': group and instance are required");
    if (!groups.count(*group)) return make_error(errc::not_found, "no group '" + *group + "'");
    json::array tokens;
    for (auto& t : transition(*group, *instance, cmd == "terminate")) tokens.push_back(json::string(t));
    return json::object{{"tokens", tokens}};
  }
  if (cmd == "calls") {
    json::array out;
    for (const auto& c : calls)
      out.push_back(json::object{{"service", c.service}, {"operation", c.operation}, {"params", c.params},
                                 {"status", c.status}, {"error_code", c.error_code}});
    return json::object{{"calls", out}};
  }
  if (cmd == "state") {
    expire_actions();
    json::object s;
    json::object qs;
    for (const auto& [name, q] : queues) qs[name] = json::object{{"url", url_of(name)}, {"depth", q.msgs.size()}};
    s["queues"] = qs;
    json::object gs;
    for (const auto& [g, insts] : groups) {
      json::object io;
      for (const auto& [id, st] : insts) io[id] = st;
      gs[g] = io;
    }
    s["groups"] = gs;
    json::array as;
    for (const auto& t : action_order) {
      const auto& a2 = actions.at(t).state;
      as.push_back(json::object{{"token", a2.token}, {"group", a2.group}, {"hook", a2.hook}, {"instance", a2.instance_id},
                                {"active", a2.active}, {"result", a2.result}, {"timed_out", a2.timed_out},
                                {"heartbeats", a2.heartbeats}});
    }
    s["actions"] = as;
    json::object bs;
    for (const auto& [b, objs] : buckets) {
      json::array keys_;
      for (const auto& [k, _] : objs) keys_.push_back(json::string(k));
      bs[b] = keys_;
    }
    s["buckets"] = bs;
    s["calls"] = calls.size();
    return s;
  }
  return make_error(errc::invalid_input, "unknown control command '" + cmd +
                                             "' (key, queue, send, group, hook, object, get-object, imds, spot, fault, "
                                             "clock, terminate, launch, calls, state)");
}

// ================================================================================================
server::server(net::any_io_executor ex, options opt) : impl_(std::make_shared<impl>(std::move(ex), std::move(opt))) {}

server::~server() { stop(); }

outcome<std::uint16_t> server::start() {
  auto& i = *impl_;
  if (i.opt.tls) {
    i.tls.emplace(ssl::context::tls_server);
    boost::system::error_code ec;
    i.tls->use_certificate_chain_file(i.opt.cert_file, ec);
    if (!ec) i.tls->use_private_key_file(i.opt.key_file, ssl::context::pem, ec);
    if (ec) return make_error(errc::tls_failed, "emulator: cannot load " + i.opt.cert_file + " / " + i.opt.key_file + ": " + ec.message());
  }
  boost::system::error_code ec;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), i.opt.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error(errc::connection_failed, "emulator: cannot listen on 127.0.0.1:" + std::to_string(i.opt.port) + ": " + ec.message());
  net::co_spawn(i.ex, i.accept_loop(), [](std::exception_ptr) {});
  return i.acceptor.local_endpoint().port();
}

void server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& [_, q] : impl_->queues)
    if (q.notify) q.notify->cancel();
}

std::uint16_t server::port() const { return impl_->acceptor.local_endpoint().port(); }
std::string server::url() const { return impl_->base_url(); }

void server::add_key(access_key k) { impl_->keys[k.id] = std::move(k); }

std::string server::create_queue(const std::string& name, int visibility_timeout) {
  impl_->control("queue", json::object{{"name", name}, {"visibility_timeout", visibility_timeout}});
  return impl_->url_of(name);
}
std::string server::queue_url(const std::string& name) const { return impl_->url_of(name); }
std::string server::queue_arn(const std::string& name) const { return impl_->arn_of(name); }
void server::set_queue_attribute(const std::string& queue, const std::string& name, const std::string& value) {
  impl_->queues.at(queue).attrs[name] = value;
}
std::string server::send_message(const std::string& queue, const std::string& body) { return impl_->enqueue(queue, body); }
void server::create_group(const std::string& group, const std::vector<std::string>& instances) {
  auto& g = impl_->groups[group];
  for (const auto& i : instances) g[i] = "InService";
}
void server::put_hook(const hook_spec& spec) { impl_->put_hook_spec(spec); }
void server::put_object(const std::string& bucket, const std::string& key, std::string data) {
  impl_->buckets[bucket][key] = std::move(data);
}
std::optional<std::string> server::object(const std::string& bucket, const std::string& key) const {
  auto b = impl_->buckets.find(bucket);
  if (b == impl_->buckets.end()) return std::nullopt;
  auto o = b->second.find(key);
  if (o == b->second.end()) return std::nullopt;
  return o->second;
}
void server::set_imds_identity(const std::string& instance_id, const std::string& role, std::chrono::seconds lifetime) {
  impl_->imds_instance = instance_id;
  impl_->imds_role = role;
  impl_->imds_lifetime = lifetime;
  impl_->imds_key.reset();
}
void server::set_spot_action(std::optional<std::string> json_text) { impl_->spot_action = std::move(json_text); }
void server::add_fault(fault f) { impl_->faults.push_back(std::move(f)); }
void server::set_clock_skew(std::chrono::seconds skew) { impl_->skew = skew; }
void server::advance(std::chrono::seconds by) {
  for (auto& [_, a] : impl_->actions) {
    a.deadline -= by;
    a.global_deadline -= by;
  }
  for (auto& [_, q] : impl_->queues) {
    for (auto& m : q.msgs) m.visible_at -= by;
    if (q.notify) q.notify->cancel();
  }
  impl_->expire_actions();
}
void server::set_bucket_region(const std::string& bucket, const std::string& region) {
  impl_->buckets[bucket];
  impl_->bucket_regions[bucket] = region;
}
std::vector<std::string> server::terminate_instance(const std::string& group, const std::string& instance) {
  return impl_->transition(group, instance, true);
}
std::vector<std::string> server::launch_instance(const std::string& group, const std::string& instance) {
  return impl_->transition(group, instance, false);
}
std::vector<recorded_call> server::calls() const { return impl_->calls; }
std::vector<recorded_call> server::calls(const std::string& operation) const {
  std::vector<recorded_call> out;
  for (const auto& c : impl_->calls)
    if (c.operation == operation) out.push_back(c);
  return out;
}
std::optional<lifecycle_action_state> server::action(const std::string& token) const {
  impl_->expire_actions();
  auto it = impl_->actions.find(token);
  if (it == impl_->actions.end()) return std::nullopt;
  return it->second.state;
}
std::vector<lifecycle_action_state> server::actions() const {
  impl_->expire_actions();
  std::vector<lifecycle_action_state> out;
  for (const auto& t : impl_->action_order) out.push_back(impl_->actions.at(t).state);
  return out;
}
std::size_t server::queue_depth(const std::string& queue) const { return impl_->queues.at(queue).msgs.size(); }
std::string server::instance_state(const std::string& group, const std::string& instance) const {
  impl_->expire_actions();
  auto g = impl_->groups.find(group);
  if (g == impl_->groups.end()) return {};
  auto i = g->second.find(instance);
  return i == g->second.end() ? std::string() : i->second;
}
json::object server::snapshot() const { return impl_->control("state", {}).value(); }
outcome<json::object> server::control(const std::string& command, const json::object& body) {
  return impl_->control(command, body);
}

} // namespace hookd::emulator
