#pragma once
// SPDX-License-Identifier: Apache-2.0
// The one place that joins credentials, signer and transport: sign (a fresh X-Amz-Date per
// attempt), send, parse the service error, classify, back off, retry, in the SDKs' standard mode.
#include "hookd/aws/call_counter.hpp"
#include "hookd/aws/credential_providers.hpp"
#include "hookd/aws/endpoints.hpp"
#include "hookd/aws/error.hpp"
#include "hookd/aws/retry.hpp"
#include "hookd/http/client.hpp"
#include "hookd/sigv4/signer.hpp"

#include <functional>
#include <map>
#include <optional>

namespace hookd::aws {

struct aws_request {
  service svc = service::sqs;
  std::string operation;   ///< "ReceiveMessage": for error lines and logs
  http::bhttp::verb method = http::bhttp::verb::post;
  std::string path = "/";  ///< wire path (already encoded), relative to the endpoint's base path
  sigv4::query_list query; ///< decoded
  sigv4::header_list headers;
  std::string body;
  protocol proto = protocol::json;
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};
  /// The largest response body held in memory.
  std::size_t body_limit = 8 * 1024 * 1024;
  /// S3 only: stream a 2xx body into this existing file / send this file as the body.
  std::string download_to;
  std::string upload_from;
  /// S3 only: override the endpoint host (virtual-hosted style).
  std::optional<http::endpoint> endpoint_override;
};

struct aws_response {
  unsigned status = 0;
  std::string body;
  std::string request_id;
  std::uint64_t bytes = 0; ///< downloads: bytes written to the file
  http::bhttp::fields headers;
};

/// Not thread-safe; one per io_context. Holds the retry token bucket and the clock offset learnt
/// from RequestTimeTooSkewed, which every later request uses.
class caller {
public:
  using clock_fn = std::function<sys_time()>;
  using random_fn = std::function<double()>;

  caller(http::client& http, cached_provider& creds, std::string region, retry_config retry, clock_fn clock = {},
         random_fn random = {});

  /// Sends `req` to `ep` with retries. An AWS error comes back as an `error` whose `aws_code`
  /// and `http_status` are set and whose context names operation, endpoint, code, message and
  /// request id.
  boost::asio::awaitable<outcome<aws_response>> call(const resolved_endpoint& ep, aws_request req);

  const std::string& region() const noexcept { return region_; }
  std::chrono::seconds clock_offset() const noexcept { return clock_offset_; }
  const retry_token_bucket& token_bucket() const noexcept { return bucket_; }
  /// Attempts made by all calls (tests assert retries happen and stop).
  std::uint64_t attempts() const noexcept { return attempts_; }
  /// Calls by (service, outcome): "OK", AWS's error code, or the kind of local failure. For the
  /// metrics file; the codes are bounded per service (call_counter).
  const std::map<std::pair<std::string, std::string>, std::uint64_t>& call_counts() const noexcept { return counts_.counts(); }

private:
  boost::asio::awaitable<outcome<aws_response>> call_with_retries(const resolved_endpoint& ep, aws_request req);
  call_counter counts_;
  http::client& http_;
  cached_provider& creds_;
  std::string region_;
  retry_config retry_;
  clock_fn clock_;
  random_fn random_;
  retry_token_bucket bucket_;
  sigv4::signing_key_cache keys_;
  std::chrono::seconds clock_offset_{0};
  std::uint64_t attempts_ = 0;
};

} // namespace hookd::aws
