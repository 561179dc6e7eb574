// SPDX-License-Identifier: Apache-2.0
#include "impl.hpp"

#include <poll.h>

namespace hookd::emulator {

namespace {
// A peer that closed its end (a cancelled long poll) shows as POLLRDHUP without reading anything.
bool peer_connected(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 0 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}
} // namespace

net::awaitable<reply> server::impl::handle(const bhttp::request<bhttp::string_body>& req, const std::string& imds_as,
                                          const alive_fn& alive) {
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
  } else if (t.starts_with("AmazonEC2ContainerServiceV20141113.")) {
    svc = "ecs";
    op = std::string(t.substr(35));
  } else if (req[bhttp::field::content_type].starts_with("application/x-www-form-urlencoded")) {
    // The query-protocol services post forms; AWS tells them apart by host, the emulator by Version.
    svc = "autoscaling";
    for (const auto& [k, v] : sigv4::parse_query(req.body())) {
      if (k == "Action") op = v;
      if (k == "Version" && v == "2010-03-31") svc = "sns";
      if (k == "Version" && v == "2015-12-01") svc = "elasticloadbalancing";
    }
  } else {
    svc = "s3";
    op = req.method() == bhttp::verb::get ? "GetObject" : head ? "HeadObject" : "PutObject";
  }

  recorded_call call;
  call.service = svc;
  call.operation = op;
  call.received = steady::now();

  // The round trip first: what is answered is the state when the request arrives after it.
  if (const auto d = answer_delay_for(svc); d.count() > 0) {
    net::steady_timer t(ex, d);
    co_await t.async_wait(nothrow);
  }
  // Faults next: they stand for what the network or AWS does before any logic runs.
  reply out;
  bool faulted = false, drop = false, close_after = false;
  std::erase_if(faults, [](const fault& f) { return f.until && *f.until < steady::now(); });
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
      out = imds(req, path, call.operation, imds_as);
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
          out = co_await sqs(op, body.as_object(), key_id, alive);
        }
      } else if (svc == "ecs") {
        boost::system::error_code ec;
        auto body = json::parse(req.body(), ec);
        if (ec || !body.is_object()) {
          out = json_error(400, "SerializationException", "Request body is not valid JSON");
        } else {
          call.params = body.as_object();
          out = ecs(op, body.as_object());
        }
      } else if (svc == "autoscaling" || svc == "sns" || svc == "elasticloadbalancing") {
        std::map<std::string, std::string> params;
        for (auto& [k, v] : sigv4::parse_query(req.body())) {
          params[k] = v;
          if (k != "Action" && k != "Version") call.params[k] = v;
        }
        out = svc == "sns" ? sns(op, params) : svc == "autoscaling" ? autoscaling(op, params) : elbv2(op, params);
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
  call.messages = out.messages;
  call.error_code = out.error_code;
  call.answered = std::chrono::system_clock::now();
  count_request(call);
  calls.push_back(std::move(call));
  co_return out;
}

template <class Stream>
net::awaitable<void> server::impl::serve(Stream& stream, const std::string& imds_as) {
  beast::flat_buffer buf;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(120));
    auto [ec, n] = co_await bhttp::async_read(stream, buf, parser, nothrow);
    if (ec) co_return;
    auto req = parser.release();
    beast::get_lowest_layer(stream).expires_never();
    const auto fd = beast::get_lowest_layer(stream).socket().native_handle();
    auto out = co_await handle(req, imds_as, [fd] { return peer_connected(fd); });
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

net::awaitable<void> server::impl::session(tcp::socket socket, std::string imds_as) {
  auto self = shared_from_this();
  if (tls && imds_as.empty()) { // instance metadata is plain HTTP, as on EC2
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, nothrow);
    if (ec) co_return;
    ++(SSL_session_reused(stream.native_handle()) ? handshakes.resumed : handshakes.full);
    co_await serve(stream, imds_as);
  } else {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream, imds_as);
  }
}

net::awaitable<void> server::impl::accept_loop(tcp::acceptor& acc, std::string imds_as) {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] = co_await acc.async_accept(nothrow);
    if (ec) co_return;
    net::co_spawn(ex, session(std::move(socket), imds_as), [](std::exception_ptr) {});
  }
}

} // namespace hookd::emulator
