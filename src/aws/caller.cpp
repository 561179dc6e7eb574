// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/caller.hpp"

#include "hookd/core/async.hpp"
#include "hookd/crypto/digest.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http.hpp>

#include <random>

namespace hookd::aws {
namespace net = boost::asio;
namespace bhttp = http::bhttp;

namespace {

// A skew this large means our clock, not the network, is at fault (AWS allows 5 minutes).
constexpr std::chrono::minutes skew_threshold{4};

std::string header(const bhttp::fields& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? std::string() : std::string(it->value());
}

bool transport_retryable(const error& e) {
  return e.code == make_error_code(errc::timeout) || e.code == make_error_code(errc::connection_failed);
}

} // namespace

caller::caller(http::client& http, cached_provider& creds, std::string region, retry_config retry, clock_fn clock,
               random_fn random)
    : http_(http), creds_(creds), region_(std::move(region)), retry_(retry), clock_(std::move(clock)),
      random_(std::move(random)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  if (!random_) {
    random_ = [gen = std::mt19937_64(std::random_device{}())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
    };
  }
}

namespace {
std::string outcome_code(const outcome<aws_response>& r) {
  if (r) return "OK";
  const auto& e = r.error();
  if (!e.aws_code.empty()) return e.aws_code;
  if (e.code.category() != hookd_category()) return "io_error";
  switch (static_cast<errc>(e.code.value())) {
  case errc::timeout: return "timeout";
  case errc::connection_failed: return "connection_failed";
  case errc::tls_failed: return "tls_failed";
  case errc::cancelled: return "cancelled";
  case errc::no_credentials: return "no_credentials";
  case errc::too_large: return "too_large";
  default: return "local_error";
  }
}
} // namespace

net::awaitable<outcome<aws_response>> caller::call(const resolved_endpoint& rep, aws_request req) {
  const std::string svc(signing_name(req.svc));
  auto r = co_await call_with_retries(rep, std::move(req));
  // Labels stay bounded whatever an endpoint answers: past 32 of its codes per service, "other".
  counts_.add(svc, outcome_code(r), !r && !r.error().aws_code.empty());
  co_return r;
}

net::awaitable<outcome<aws_response>> caller::call_with_retries(const resolved_endpoint& rep, aws_request req) {
  const http::endpoint ep = req.endpoint_override.value_or(rep.ep);
  const std::string what = std::string(display_name(req.svc)) + " " + req.operation + " at " + ep.url();
  const bool s3 = req.svc == service::s3;
  const std::string payload_hash = !req.upload_from.empty() ? std::string(sigv4::unsigned_payload)
                                                            : crypto::sha256_hex(req.body);
  bool refreshed_credentials = false;
  int retry_cost = 0;
  std::optional<error> last;

  // A cancelled call (the action's script ended, hookd is stopping) is over: it is not retried,
  // whether or not the coroutine was told to throw on cancellation.
  const auto cancel = co_await net::this_coro::cancellation_state;
  const auto cancelled = [&] {
    return cancel.cancelled() != net::cancellation_type::none ? std::optional(make_error(errc::cancelled, what + ": cancelled"))
                                                              : std::nullopt;
  };
  for (int attempt = 1; attempt <= retry_.max_attempts; ++attempt) {
    if (auto c = cancelled()) co_return *c;
    ++attempts_;
    auto creds = co_await creds_.get();
    if (!creds) co_return wrap_error(creds.error(), what);

    // Sign afresh each attempt: a retried request must carry a current X-Amz-Date.
    sigv4::request_parts parts{std::string(bhttp::to_string(req.method)), ep.base_path + req.path, req.query, req.headers};
    parts.headers.push_back({"Host", ep.host_header()});
    const auto now = clock_() + clock_offset_;
    const auto params = s3 ? sigv4::signing_params::for_s3(region_, now)
                           : sigv4::signing_params::for_service(region_, std::string(signing_name(req.svc)), now);
    auto signed_ = sigv4::sign_headers(parts, payload_hash, *creds, params, &keys_);
    if (!signed_) co_return wrap_error(signed_.error(), what);

    std::string target = parts.path;
    if (!parts.query.empty()) {
      target += "?";
      bool first = true;
      for (const auto& [k, v] : parts.query) {
        if (!first) target += "&";
        first = false;
        target += sigv4::uri_encode(k) + "=" + sigv4::uri_encode(v);
      }
    }
    http::request_options opt;
    opt.timeout = req.timeout;
    opt.body_limit = req.body_limit;

    outcome<aws_response> result = make_error(errc::protocol_error, what + ": no answer");
    if (!req.upload_from.empty()) {
      http::file_request hreq{req.method, target, 11};
      for (const auto& h : parts.headers) hreq.set(h.name, h.value);
      boost::beast::error_code fec;
      hreq.body().open(req.upload_from.c_str(), boost::beast::file_mode::scan, fec);
      if (fec) co_return make_error(errc::io_failed, what + ": cannot read " + req.upload_from + ": " + fec.message());
      auto r = co_await http_.upload(ep, std::move(hreq), opt);
      if (r) result = aws_response{r->result_int(), std::move(r->body()), {}, 0, r->base()};
      else result = r.error();
    } else {
      http::string_request hreq{req.method, target, 11};
      for (const auto& h : parts.headers) hreq.set(h.name, h.value);
      hreq.body() = req.body;
      if (!req.download_to.empty()) {
        auto r = co_await http_.download(ep, std::move(hreq), req.download_to, opt);
        if (r) result = aws_response{r->head.result_int(), std::move(r->error_body), {}, r->bytes, r->head.base()};
        else result = r.error();
      } else {
        auto r = co_await http_.send(ep, std::move(hreq), opt);
        if (r) result = aws_response{r->result_int(), std::move(r->body()), {}, 0, r->base()};
        else result = r.error();
      }
    }

    retry_kind kind = retry_kind::none;
    bool timeout = false;
    if (!result) {
      last = wrap_error(result.error(), what);
      if (transport_retryable(result.error())) kind = retry_kind::transient;
      timeout = result.error().code == make_error_code(errc::timeout);
    } else if (result->status >= 300) {
      auto se = parse_service_error(result->status, result->body, req.proto, header(result->headers, "x-amzn-query-error"),
                                    header(result->headers, s3 ? "x-amz-request-id" : "x-amzn-requestid"),
                                    header(result->headers, "x-amz-bucket-region"));
      last = make_error(errc::service_error, what + ": " + se.describe());
      last->aws_code = se.code;
      last->http_status = se.status;
      kind = classify(se);
      // A signature error with a server Date far from ours is a skewed clock, not a bad key.
      const auto server_date = parse_http_date(header(result->headers, "date"));
      if ((kind == retry_kind::clock_skew ||
           ((se.code == "SignatureDoesNotMatch" || se.code == "InvalidSignatureException") && server_date &&
            std::chrono::abs(*server_date - now) > skew_threshold)) &&
          server_date) {
        clock_offset_ = std::chrono::duration_cast<std::chrono::seconds>(*server_date - clock_());
        kind = retry_kind::clock_skew;
      }
    } else {
      result->request_id = header(result->headers, s3 ? "x-amz-request-id" : "x-amzn-requestid");
      bucket_.on_success(retry_cost);
      co_return result;
    }

    if (auto c = cancelled()) co_return *c;
    if (attempt == retry_.max_attempts || kind == retry_kind::none) break;
    if (kind == retry_kind::expired_credentials) {
      if (refreshed_credentials) break; // refreshed once already: the new ones are rejected too
      refreshed_credentials = true;
      creds_.invalidate();
      continue;
    }
    if (kind == retry_kind::clock_skew) continue; // corrected: retry at once
    if (!bucket_.try_acquire(timeout)) {
      last->context += " (not retried: the retry budget is spent; the endpoint keeps failing)";
      break;
    }
    retry_cost = timeout ? retry_token_bucket::timeout_retry_cost : retry_token_bucket::retry_cost;
    net::steady_timer pause(co_await net::this_coro::executor, backoff_delay(attempt, retry_, random_));
    co_await pause.async_wait(nothrow);
  }
  co_return *last;
}

} // namespace hookd::aws
