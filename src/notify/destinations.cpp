// SPDX-License-Identifier: Apache-2.0
// The two kinds of destination (a webhook, an SNS topic) and the notifier the settings ask for.
#include "hookd/notify/notifier.hpp"

#include "hookd/version.hpp"

namespace hookd::notify {
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

/// `text` with every occurrence of `secret` cut out: the HTTP client names the request target in
/// its errors, and a webhook's target is its secret.
std::string without(std::string text, const std::string& secret) {
  if (secret.size() <= 1) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) text.replace(at, secret.size(), "/...");
  return text;
}

class webhook_destination final : public destination {
public:
  webhook_destination(http::client& http, webhook_target t, std::vector<header> headers, std::chrono::milliseconds timeout)
      : http_(http), t_(std::move(t)), headers_(std::move(headers)), timeout_(timeout), name_("webhook " + t_.origin) {}

  const std::string& name() const override { return name_; }

  net::awaitable<outcome<void>> deliver(const delivery& d) override {
    http::string_request req{bhttp::verb::post, t_.target, 11};
    req.set(bhttp::field::host, t_.ep.host_header());
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::user_agent, std::string("hookd/") + hookd::version);
    for (const auto& h : headers_) req.set(h.name, h.value);
    req.body() = d.document;
    req.prepare_payload();
    http::request_options opt;
    opt.timeout = timeout_;
    opt.body_limit = 64 * 1024; // the answer is read and thrown away
    auto r = co_await http_.send(t_.ep, std::move(req), opt);
    if (!r) {
      auto e = r.error();
      e.context = without(e.message(), t_.target);
      co_return e;
    }
    if (r->result_int() < 200 || r->result_int() >= 300)
      co_return make_error(errc::protocol_error, name_ + " answered HTTP " + std::to_string(r->result_int()));
    co_return outcome<void>{};
  }

private:
  http::client& http_;
  webhook_target t_;
  std::vector<header> headers_;
  std::chrono::milliseconds timeout_;
  std::string name_;
};

class sns_destination final : public destination {
public:
  sns_destination(aws::sns_client& sns, std::string topic, std::chrono::milliseconds timeout)
      : sns_(sns), topic_(std::move(topic)), timeout_(timeout), name_("sns " + topic_) {}

  const std::string& name() const override { return name_; }

  net::awaitable<outcome<void>> deliver(const delivery& d) override {
    auto r = co_await sns_.publish(topic_, d.document, d.subject, timeout_);
    if (!r) co_return r.error();
    co_return outcome<void>{};
  }

private:
  aws::sns_client& sns_;
  std::string topic_;
  std::chrono::milliseconds timeout_;
  std::string name_;
};

} // namespace

std::unique_ptr<destination> webhook(http::client& http, webhook_target t, std::vector<header> headers,
                                     std::chrono::milliseconds timeout) {
  return std::make_unique<webhook_destination>(http, std::move(t), std::move(headers), timeout);
}

std::unique_ptr<destination> sns_topic(aws::sns_client& sns, std::string topic, std::chrono::milliseconds timeout) {
  return std::make_unique<sns_destination>(sns, std::move(topic), timeout);
}

outcome<std::unique_ptr<notifier>> make_notifier(net::any_io_executor ex, const config::notify_settings& s, http::client& http,
                                                 aws::sns_client* sns, logger& log, std::string id_prefix,
                                                 std::chrono::milliseconds backoff) {
  if (!s.any()) return std::unique_ptr<notifier>{};
  std::vector<header> headers;
  for (const auto& line : s.headers) {
    auto h = parse_header(line);
    if (!h) return h.error();
    headers.push_back(std::move(*h));
  }
  lane_policy policy;
  policy.first_backoff = backoff;
  auto n = std::make_unique<notifier>(std::move(ex), log, std::move(id_prefix), policy);
  for (const auto& url : s.urls) {
    auto t = parse_webhook_url(url);
    if (!t) return t.error();
    n->add(webhook(http, std::move(*t), headers, s.timeout));
  }
  if (!s.sns_topic.empty()) {
    if (!sns) return make_error(errc::invalid_input, "--notify-sns-topic: no SNS endpoint; check AWS_ENDPOINT_URL_SNS and the region");
    n->add(sns_topic(*sns, s.sns_topic, s.timeout));
  }
  return n;
}

} // namespace hookd::notify
