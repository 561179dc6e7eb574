// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/client.hpp"

#include "hookd/core/async.hpp"
#include "hookd/http/resolver.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace hookd::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using clock = std::chrono::steady_clock;
using boost::system::error_code;

struct client::connection {
  std::string origin;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  clock::time_point idle_since{};
  bool reused = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

namespace {

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// A reused keep-alive connection the server has meanwhile closed fails like this before any
// byte of the response: the request was not processed, so one retry on a fresh connection is safe.
bool looks_stale(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == ssl::error::stream_truncated;
}

std::string describe(const string_request& r, const endpoint& ep) {
  return std::string(r.method_string()) + " " + ep.url() + std::string(r.target());
}

error map_error(const error_code& ec, const std::string& what, const std::string& stage) {
  errc kind = errc::connection_failed;
  std::string detail = ec.message();
  if (ec == net::error::operation_aborted) kind = errc::cancelled, detail = "cancelled";
  else if (ec == beast::error::timeout || ec == net::error::timed_out) kind = errc::timeout, detail = "timed out";
  // A peer that closes without TLS close_notify mid-response is a dropped connection, not a TLS
  // failure: the request may be retried.
  else if (ec == ssl::error::stream_truncated) kind = errc::connection_failed, detail = "connection closed mid-response";
  else if (ec.category() == net::error::get_ssl_category()) kind = errc::tls_failed;
  else if (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow || ec == bhttp::error::header_limit)
    kind = errc::too_large;
  else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() && !looks_stale(ec))
    kind = errc::protocol_error;
  return make_error(kind, what + ": " + stage + ": " + detail);
}


// --- the three kinds of exchange --------------------------------------------------------------

// Sends the request; on failure says whether the connection looked stale (see looks_stale).
template <class Stream, class Request>
net::awaitable<std::optional<error>> write_request(Stream& s, client::connection& c, Request& req,
                                                   clock::time_point deadline, const std::string& what, bool& stale) {
  c.lowest().expires_at(deadline);
  auto [ec, n] = co_await bhttp::async_write(s, req, nothrow);
  if (!ec) co_return std::nullopt;
  stale = looks_stale(ec) && n == 0;
  co_return map_error(ec, what, "send");
}

// Reads a whole response into memory, bounded by `opt.body_limit`.
template <class Stream>
net::awaitable<outcome<string_response>> read_string_response(Stream& s, client::connection& c, bool head_request,
                                                              const request_options& opt, clock::time_point deadline,
                                                              const std::string& what, bool& stale, bool& keep) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(opt.body_limit);
  if (head_request) parser.skip(true);
  c.lowest().expires_at(deadline);
  auto [ec, n] = co_await bhttp::async_read(s, c.buffer, parser, nothrow);
  if (ec) {
    stale = !parser.got_some() && looks_stale(ec);
    co_return map_error(ec, what, "receive");
  }
  auto res = parser.release();
  keep = res.keep_alive();
  co_return res;
}

struct string_exchange {
  using result_type = string_response;
  string_request& req;
  const request_options& opt;
  std::string what;

  template <class Stream>
  net::awaitable<outcome<string_response>> run(Stream& s, client::connection& c, clock::time_point deadline,
                                               bool& stale, bool& keep) {
    if (auto e = co_await write_request(s, c, req, deadline, what, stale)) co_return *e;
    co_return co_await read_string_response(s, c, req.method() == bhttp::verb::head, opt, deadline, what, stale, keep);
  }
};

struct download_exchange {
  using result_type = download_result;
  string_request& req;
  const request_options& opt;
  std::string what;
  const std::string& path;

  template <class Stream>
  net::awaitable<outcome<download_result>> run(Stream& s, client::connection& c, clock::time_point deadline,
                                               bool& stale, bool& keep) {
    if (auto e = co_await write_request(s, c, req, deadline, what, stale)) co_return *e;
    bhttp::response_parser<bhttp::empty_body> head;
    c.lowest().expires_at(deadline);
    auto [hec, hn] = co_await bhttp::async_read_header(s, c.buffer, head, nothrow);
    if (hec) {
      stale = !head.got_some() && looks_stale(hec);
      co_return map_error(hec, what, "receive");
    }
    download_result out;
    const auto status = head.get().result_int();
    if (status >= 200 && status < 300) {
      // The body goes straight to the file: memory stays flat whatever the object's size.
      bhttp::response_parser<bhttp::file_body> body(std::move(head));
      body.body_limit(boost::none);
      error_code fec;
      body.get().body().open(path.c_str(), beast::file_mode::write, fec);
      if (fec) co_return make_error(errc::io_failed, what + ": cannot write " + path + ": " + fec.message());
      c.lowest().expires_at(deadline);
      auto [bec, bn] = co_await bhttp::async_read(s, c.buffer, body, nothrow);
      if (bec) co_return map_error(bec, what, "receive body");
      error_code sec;
      out.bytes = body.get().body().file().size(sec); // what reached the file (value::size() is 0 in write mode)
      keep = body.get().keep_alive();
      out.head.base() = std::move(body.get().base());
    } else {
      bhttp::response_parser<bhttp::string_body> body(std::move(head));
      body.body_limit(opt.body_limit);
      c.lowest().expires_at(deadline);
      auto [bec, bn] = co_await bhttp::async_read(s, c.buffer, body, nothrow);
      if (bec) co_return map_error(bec, what, "receive");
      keep = body.get().keep_alive();
      out.error_body = std::move(body.get().body());
      out.head.base() = std::move(body.get().base());
    }
    co_return out;
  }
};

struct upload_exchange {
  using result_type = string_response;
  file_request& req;
  const request_options& opt;
  std::string what;

  template <class Stream>
  net::awaitable<outcome<string_response>> run(Stream& s, client::connection& c, clock::time_point deadline,
                                               bool& stale, bool& keep) {
    error_code sec;
    req.body().file().seek(0, sec); // a retry sends the file from its start again
    if (sec) co_return make_error(errc::io_failed, what + ": cannot rewind the upload file: " + sec.message());
    if (auto e = co_await write_request(s, c, req, deadline, what, stale)) co_return *e;
    bool ignored = false; // once the file went out, a dead connection is not "stale": no silent resend
    co_return co_await read_string_response(s, c, false, opt, deadline, what, ignored, keep);
  }
};

// The addresses to dial: a literal as it is; a name through getaddrinfo, then, when that fails
// (a static binary cannot load NSS on a foreign system), /etc/hosts and the nameservers ourselves.
net::awaitable<outcome<std::vector<tcp::endpoint>>> resolve_targets(net::any_io_executor ex, const endpoint& dial,
                                                                     const resolver_files& files, const std::string& what,
                                                                     clock::time_point deadline) {
  using namespace net::experimental::awaitable_operators;
  std::vector<tcp::endpoint> targets;
  error_code aec;
  if (auto addr = net::ip::make_address(dial.host, aec); !aec) {
    // A literal address (the metadata service, a local endpoint) needs no resolver, nor the
    // thread Asio starts for one.
    targets.emplace_back(addr, dial.port);
    co_return targets;
  }
  tcp::resolver resolver(ex);
  net::steady_timer resolve_deadline(ex, deadline);
  auto resolved = co_await (resolver.async_resolve(dial.host, std::to_string(dial.port), nothrow) ||
                            resolve_deadline.async_wait(nothrow));
  if (resolved.index() == 1) co_return make_error(errc::timeout, what + ": resolving " + dial.host + " timed out");
  auto [rec, results] = std::get<0>(std::move(resolved));
  for (const auto& r : results) targets.push_back(r.endpoint());
  if (!rec) co_return targets;
  auto fallback = co_await fallback_resolve(ex, dial.host, files, deadline);
  if (!fallback)
    co_return make_error(errc::connection_failed, what + ": cannot resolve " + dial.host + ": " + rec.message() + "; " +
                                                      fallback.error().message());
  for (const auto& a : *fallback)
    if (auto addr = net::ip::make_address(a, aec); !aec) targets.emplace_back(addr, dial.port);
  if (targets.empty()) co_return make_error(errc::connection_failed, what + ": " + dial.host + " has no usable address");
  co_return targets;
}

// Asks the proxy for a tunnel to `ep`; the TLS handshake, if any, then runs through it.
net::awaitable<std::optional<error>> open_tunnel(beast::tcp_stream& socket, beast::flat_buffer& buffer,
                                                 const proxy_server& proxy, const endpoint& ep, const std::string& what,
                                                 clock::time_point deadline) {
  const auto authority =
      (ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
  bhttp::request<bhttp::empty_body> creq{bhttp::verb::connect, authority, 11};
  creq.set(bhttp::field::host, authority);
  if (!proxy.authorization.empty()) creq.set(bhttp::field::proxy_authorization, proxy.authorization.reveal());
  socket.expires_at(deadline);
  auto [pwec, pwn] = co_await bhttp::async_write(socket, creq, nothrow);
  if (pwec) co_return map_error(pwec, what, "proxy CONNECT");
  bhttp::response_parser<bhttp::empty_body> pres;
  pres.skip(true); // a 200 answer to CONNECT has no body: the tunnel follows
  socket.expires_at(deadline);
  auto [prec, prn] = co_await bhttp::async_read(socket, buffer, pres, nothrow);
  if (prec) co_return map_error(prec, what, "proxy CONNECT answer");
  if (pres.get().result_int() != 200)
    co_return make_error(errc::protocol_error, what + ": the proxy refused CONNECT: " +
                                                   std::to_string(pres.get().result_int()) + " " +
                                                   std::string(pres.get().reason()) +
                                                   "; check HTTPS_PROXY, its credentials, or add the host to NO_PROXY");
  co_return std::nullopt;
}

} // namespace

client::client(net::any_io_executor ex, client_config cfg)
    : ex_(std::move(ex)), cfg_(std::move(cfg)),
      tls_([this] { return find_ca_bundle(cfg_.env, cfg_.path_exists, cfg_.is_hashed_ca_dir); }) {
  if (!cfg_.env) cfg_.env = process_env();
}

client::~client() = default;

std::size_t client::idle_connections() const {
  std::size_t n = 0;
  for (const auto& [_, v] : idle_) n += v.size();
  return n;
}

bool client::reusable(const connection& c) const { return clock::now() - c.idle_since < cfg_.max_idle_age; }

std::unique_ptr<client::connection> client::take_idle(const std::string& origin) {
  auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  auto& v = it->second;
  while (!v.empty()) {
    auto c = std::move(v.back());
    v.pop_back();
    if (reusable(*c)) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void client::give_back(std::unique_ptr<connection> c) {
  auto& v = idle_[c->origin];
  if (v.size() >= cfg_.max_idle_per_origin) return; // dropped: its socket closes
  c->idle_since = clock::now();
  c->buffer.clear();
  v.push_back(std::move(c));
}

net::awaitable<outcome<std::unique_ptr<client::connection>>> client::connect(const endpoint& ep,
                                                                               const request_options& opt,
                                                                               clock::time_point deadline) {
  const proxy_server* proxy = opt.direct ? nullptr : cfg_.proxy.for_endpoint(ep);
  const endpoint& dial = proxy ? proxy->ep : ep;
  const std::string what = "connect to " + ep.origin() + (proxy ? " via proxy " + proxy->ep.origin() : std::string());
  auto targets = co_await resolve_targets(ex_, dial, cfg_.resolver, what, deadline);
  if (!targets) co_return targets.error();

  beast::tcp_stream socket(ex_);
  socket.expires_at(deadline);
  auto [cec, connected] = co_await socket.async_connect(*targets, nothrow);
  if (cec) co_return map_error(cec, what, "TCP connect to " + dial.origin());

  auto conn = std::make_unique<connection>();
  conn->origin = ep.origin();
  if (proxy)
    if (auto e = co_await open_tunnel(socket, conn->buffer, *proxy, ep, what, deadline)) co_return *e;
  if (!ep.tls()) {
    conn->plain.emplace(std::move(socket));
  } else {
    auto ctx = tls_.get();
    if (!ctx) co_return ctx.error();
    conn->tls.emplace(std::move(socket), **ctx);
    conn->lowest().expires_at(deadline);
    if (auto e = co_await start_tls(*conn, ep, what)) co_return *e;
  }
  ++opened_;
  co_return conn;
}

net::awaitable<std::optional<error>> client::start_tls(connection& conn, const endpoint& ep, const std::string& what) {
  SSL* native = conn.tls->native_handle();
  // SNI, and certificate name checking against the host we meant (Beast's awaitable-ssl client).
  if (!is_ip_literal(ep.host)) SSL_set_tlsext_host_name(native, ep.host.c_str());
  conn.tls->set_verify_mode(ssl::verify_peer);
  conn.tls->set_verify_callback(ssl::host_name_verification(ep.host));
  tls_.prepare(native, conn.origin); // the connection outlives its TLS stream's callbacks
  auto [hec] = co_await conn.tls->async_handshake(ssl::stream_base::client, nothrow);
  if (!hec) {
    tls_.handshake_done(native);
    co_return std::nullopt;
  }
  tls_.forget(conn.origin);
  const long verify = SSL_get_verify_result(native);
  std::string why = hec.message();
  if (verify != X509_V_OK) why = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
  co_return make_error(errc::tls_failed, what + ": TLS handshake: " + why +
                                             (verify != X509_V_OK ? " (CA bundle: " + tls_.ca_source() + ")" : ""));
}

template <class Exchange>
net::awaitable<outcome<typename Exchange::result_type>> client::with_connection(const endpoint& ep,
                                                                                const request_options& opt,
                                                                                Exchange& exchange) {
  const auto deadline = clock::now() + opt.timeout;
  for (int attempt = 0;; ++attempt) {
    auto conn = attempt == 0 ? take_idle(ep.origin()) : nullptr;
    if (!conn) {
      auto fresh = co_await connect(ep, opt, deadline);
      if (!fresh) co_return fresh.error();
      conn = std::move(*fresh);
    }
    bool stale = false, keep = false;
    // Two statements, not `?:` around co_await: GCC 12 destroys the wrong temporary there.
    outcome<typename Exchange::result_type> r = make_error(errc::protocol_error, "no exchange");
    if (conn->tls) r = co_await exchange.run(*conn->tls, *conn, deadline, stale, keep);
    else r = co_await exchange.run(*conn->plain, *conn, deadline, stale, keep);
    if (!r && r.error().code == make_error_code(errc::tls_failed)) tls_.forget(conn->origin);
    if (!r && stale && conn->reused && attempt == 0) continue;
    if (r && keep) give_back(std::move(conn));
    co_return r;
  }
}

net::awaitable<outcome<string_response>> client::send(const endpoint& ep, string_request req, request_options opt) {
  if (!req.count(bhttp::field::host)) req.set(bhttp::field::host, ep.host_header());
  req.prepare_payload();
  string_exchange x{req, opt, describe(req, ep)};
  co_return co_await with_connection(ep, opt, x);
}

net::awaitable<outcome<download_result>> client::download(const endpoint& ep, string_request req, std::string path,
                                                          request_options opt) {
  if (!req.count(bhttp::field::host)) req.set(bhttp::field::host, ep.host_header());
  req.prepare_payload();
  download_exchange x{req, opt, describe(req, ep), path};
  co_return co_await with_connection(ep, opt, x);
}

net::awaitable<outcome<string_response>> client::upload(const endpoint& ep, file_request req, request_options opt) {
  if (!req.count(bhttp::field::host)) req.set(bhttp::field::host, ep.host_header());
  req.prepare_payload();
  upload_exchange x{req, opt, std::string(req.method_string()) + " " + ep.url() + std::string(req.target())};
  co_return co_await with_connection(ep, opt, x);
}

} // namespace hookd::http
