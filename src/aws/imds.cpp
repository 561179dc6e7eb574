// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/imds.hpp"

#include "hookd/core/json.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace hookd::aws {
namespace net = boost::asio;
namespace bhttp = http::bhttp;
namespace json = boost::json;

namespace {
// Renew the session token this long before its TTL ends, so no request carries a dying token.
constexpr std::chrono::minutes token_renew_margin{5};
} // namespace

imds_client::imds_client(http::client& http, imds_config cfg, clock_fn clock)
    : http_(http), cfg_(std::move(cfg)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

net::awaitable<outcome<std::string>> imds_client::token(bool force) {
  if (!force && !token_.empty() && clock_() + token_renew_margin < token_expiry_) co_return token_;
  http::request_options opt;
  opt.timeout = cfg_.timeout;
  opt.direct = true; // link-local: never through a proxy
  error last = make_error(errc::connection_failed, "no attempt");
  for (int attempt = 0; attempt < cfg_.attempts; ++attempt) {
    http::string_request req{bhttp::verb::put, "/latest/api/token", 11};
    req.set("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(cfg_.token_ttl.count()));
    auto r = co_await http_.send(cfg_.ep, std::move(req), opt);
    if (!r) {
      last = r.error();
      continue;
    }
    if (r->result_int() != 200) {
      co_return make_error(errc::protocol_error, "IMDSv2 token request to " + cfg_.ep.url() + " answered HTTP " +
                                                     std::to_string(r->result_int()) +
                                                     "; check the instance's metadata options (HttpTokens, HttpPutResponseHopLimit)");
    }
    token_ = r->body();
    token_expiry_ = clock_() + cfg_.token_ttl;
    co_return token_;
  }
  co_return wrap_error(last, "IMDS at " + cfg_.ep.url() + " unreachable (is this an EC2 instance? set AWS_EC2_METADATA_DISABLED=true elsewhere)");
}

net::awaitable<outcome<std::optional<std::string>>> imds_client::get(const std::string& path) {
  if (cfg_.disabled)
    co_return make_error(errc::not_found, "IMDS is disabled (AWS_EC2_METADATA_DISABLED); give " + path + " explicitly");
  http::request_options opt;
  opt.timeout = cfg_.timeout;
  opt.direct = true;
  bool refreshed = false;
  error last = make_error(errc::connection_failed, "no attempt");
  for (int attempt = 0; attempt < cfg_.attempts; ++attempt) {
    auto tok = co_await token(false);
    if (!tok) co_return tok.error();
    http::string_request req{bhttp::verb::get, "/latest/meta-data/" + path, 11};
    req.set("X-aws-ec2-metadata-token", *tok);
    auto r = co_await http_.send(cfg_.ep, std::move(req), opt);
    if (!r) {
      last = r.error();
      continue;
    }
    const auto status = r->result_int();
    if (status == 200) co_return std::optional<std::string>(std::move(r->body()));
    if (status == 404) co_return std::optional<std::string>{};
    if (status == 401 && !refreshed) { // the token expired or IMDS restarted: get a new one, once
      refreshed = true;
      token_.clear();
      co_await token(true);
      continue;
    }
    last = make_error(errc::protocol_error, "IMDS GET " + path + " answered HTTP " + std::to_string(status));
  }
  co_return last;
}

net::awaitable<outcome<std::string>> imds_client::require(const std::string& path, const char* what) {
  auto r = co_await get(path);
  if (!r) co_return r.error();
  if (!*r) co_return make_error(errc::not_found, std::string("IMDS has no ") + what + " (" + path + ")");
  co_return std::move(**r);
}

net::awaitable<outcome<std::string>> imds_client::instance_id() { co_return co_await require("instance-id", "instance id"); }
net::awaitable<outcome<std::string>> imds_client::region() { co_return co_await require("placement/region", "region"); }

net::awaitable<outcome<credentials>> imds_client::role_credentials() {
  auto roles = co_await require("iam/security-credentials/", "instance role");
  if (!roles) co_return make_error(errc::no_credentials, "instance metadata: " + roles.error().message() +
                                                             "; attach an instance profile with a role");
  auto role = roles->substr(0, roles->find('\n'));
  auto doc = co_await require("iam/security-credentials/" + role, "role credentials");
  if (!doc) co_return doc.error();
  co_return parse_imds_credentials(*doc, role);
}

net::awaitable<outcome<std::optional<std::string>>> imds_client::target_lifecycle_state() {
  co_return co_await get("autoscaling/target-lifecycle-state");
}

net::awaitable<outcome<std::optional<std::string>>> imds_client::spot_instance_action() {
  co_return co_await get("spot/instance-action");
}

net::awaitable<outcome<credentials>> imds_provider::get() {
  if (imds_.config().disabled)
    co_return make_error(errc::no_credentials, "instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
  auto r = co_await imds_.role_credentials();
  if (!r && r.error().code != make_error_code(errc::no_credentials) &&
      (r.error().code == make_error_code(errc::timeout) || r.error().code == make_error_code(errc::connection_failed)))
    co_return make_error(errc::no_credentials, "instance metadata: " + r.error().message());
  co_return r;
}

} // namespace hookd::aws
