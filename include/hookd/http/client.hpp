#pragma once
// SPDX-License-Identifier: Apache-2.0
// HTTP/1.1 over TCP or TLS on the io_context: keep-alive connections reused per origin, a
// deadline on every exchange, a cap on bodies held in memory, downloads streamed to a file,
// proxies through CONNECT. Peer verification is always on: there is no switch to turn it off.
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"
#include "hookd/http/proxy.hpp"
#include "hookd/http/resolver.hpp"
#include "hookd/http/tls.hpp"
#include "hookd/http/tls_context.hpp"
#include "hookd/http/url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookd::http {

namespace bhttp = boost::beast::http;
using string_request = bhttp::request<bhttp::string_body>;
using file_request = bhttp::request<bhttp::file_body>;
using string_response = bhttp::response<bhttp::string_body>;

struct request_options {
  /// The whole exchange (connect, proxy, TLS, write, read) must finish by then.
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};
  /// Bodies held in memory are refused past this size (errc::too_large).
  std::size_t body_limit = 8 * 1024 * 1024;
  /// Never use a proxy (the instance metadata service is link-local and must not be proxied).
  bool direct = false;
};

/// Result of a download: the status and headers; the body is in the file on success (2xx), or
/// in `error_body` otherwise (S3 error documents are small).
struct download_result {
  bhttp::response<bhttp::empty_body> head;
  std::string error_body;
  std::uint64_t bytes = 0;
};

struct client_config {
  proxy_settings proxy;
  env_lookup env;                   ///< for CA discovery (AWS_CA_BUNDLE, SSL_CERT_FILE, ...)
  std::function<bool(const std::string&, bool)> path_exists = http::path_exists;
  std::function<bool(const std::string&)> is_hashed_ca_dir = http::is_hashed_ca_dir;
  /// Where names are looked up when getaddrinfo fails (a static binary without NSS).
  resolver_files resolver;
  std::size_t max_idle_per_origin = 4;
  /// Idle connections older than this are not reused: AWS front ends close idle connections
  /// after about a minute, and a reuse that races the close costs a retry.
  std::chrono::seconds max_idle_age{45};
};

/// One per process (per io_context). Not thread-safe: call only from the io_context's thread.
/// The TLS context and its CA certificates are loaded on the first HTTPS request, once.
class client {
public:
  client(boost::asio::any_io_executor ex, client_config cfg);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  boost::asio::awaitable<outcome<string_response>> send(const endpoint& ep, string_request req,
                                                        request_options opt = {});
  /// Streams a 2xx body into `path` (which must already exist: the caller creates it with the
  /// mode it wants); the file is truncated first.
  boost::asio::awaitable<outcome<download_result>> download(const endpoint& ep, string_request req, std::string path,
                                                            request_options opt = {});
  /// Sends a file as the request body.
  boost::asio::awaitable<outcome<string_response>> upload(const endpoint& ep, file_request req,
                                                          request_options opt = {});

  std::size_t idle_connections() const;
  /// Connections opened since construction (tests check reuse with it).
  std::size_t connections_opened() const noexcept { return opened_; }
  /// TLS connections that resumed an earlier session of their origin (no certificate exchange).
  std::size_t sessions_resumed() const noexcept { return tls_.sessions_resumed(); }
  /// Where CA certificates were loaded from, once a TLS request was made.
  const std::string& ca_source() const noexcept { return tls_.ca_source(); }

  struct connection;

private:
  template <class Exchange>
  boost::asio::awaitable<outcome<typename Exchange::result_type>> with_connection(const endpoint& ep,
                                                                                  const request_options& opt,
                                                                                  Exchange& exchange);
  boost::asio::awaitable<outcome<std::unique_ptr<connection>>> connect(const endpoint& ep, const request_options& opt,
                                                                       std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<std::optional<error>> start_tls(connection& conn, const endpoint& ep, const std::string& what);
  std::unique_ptr<connection> take_idle(const std::string& origin);
  /// Idle for less than max_idle_age: AWS has not closed it yet.
  bool reusable(const connection& c) const;
  void give_back(std::unique_ptr<connection> c);

  boost::asio::any_io_executor ex_;
  client_config cfg_;
  tls_context tls_;
  std::map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
  std::size_t opened_ = 0;
};

} // namespace hookd::http
