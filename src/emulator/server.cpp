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

server::impl::queue_rec* server::impl::find_queue_by_url(const std::string& url) {
  const auto slash = url.rfind('/');
  if (slash == std::string::npos) return nullptr;
  auto it = queues.find(url.substr(slash + 1));
  if (it == queues.end()) return nullptr;
  // The account segment must match too, as in AWS.
  if (url.find("/" + opt.account_id + "/") == std::string::npos) return nullptr;
  return &it->second;
}

server::impl::queue_rec* server::impl::find_queue_by_arn(const std::string& arn) {
  const auto colon = arn.rfind(':');
  if (colon == std::string::npos || arn.rfind("arn:aws:sqs:", 0) != 0) return nullptr;
  auto it = queues.find(arn.substr(colon + 1));
  return it == queues.end() ? nullptr : &it->second;
}

std::string server::impl::group_arn(const std::string& group) const {
  return "arn:aws:autoscaling:" + opt.region + ":" + opt.account_id +
         ":autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/" + group;
}

reply server::impl::sqs_error(unsigned status, const std::string& code, const std::string& message,
                       const std::string& query_code) {
  reply r;
  r.status = status;
  r.content_type = "application/x-amz-json-1.0";
  r.body = json::serialize(json::object{{"__type", "com.amazonaws.sqs#" + code}, {"message", message}});
  r.headers.emplace_back("x-amzn-query-error", (query_code.empty() ? code : query_code) + ";Sender");
  r.error_code = code;
  return r;
}

reply server::impl::query_error(unsigned status, const std::string& code, const std::string& message) {
  reply r;
  r.status = status;
  r.content_type = "text/xml";
  r.body = "<ErrorResponse xmlns=\"" + std::string(asg_xmlns) + "\"><Error><Type>Sender</Type><Code>" + xml_escape(code) +
           "</Code><Message>" + xml_escape(message) + "</Message></Error><RequestId>" + uuid() +
           "</RequestId></ErrorResponse>";
  r.error_code = code;
  return r;
}

reply server::impl::s3_error(unsigned status, const std::string& code, const std::string& message, bool head) {
  reply r;
  r.status = status;
  r.content_type = "application/xml";
  if (!head)
    r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + xml_escape(code) + "</Code><Message>" +
             xml_escape(message) + "</Message><RequestId>" + random_hex(8) + "</RequestId></Error>";
  r.error_code = code;
  return r;
}

reply server::impl::error_for(const std::string& svc, unsigned status, const std::string& code, const std::string& message,
                       bool head) {
  if (svc == "sqs") return sqs_error(status, code, message);
  if (svc == "s3") return s3_error(status, code, message, head);
  return query_error(status, code, message);
}

std::optional<reply> server::impl::authenticate(const bhttp::request<bhttp::string_body>& req, const std::string& svc,
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
  call.messages = out.messages;
  call.error_code = out.error_code;
  call.answered = std::chrono::system_clock::now();
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
  net::co_spawn(i.ex, i.accept_loop(i.acceptor, {}), [](std::exception_ptr) {});
  return i.acceptor.local_endpoint().port();
}

void server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  for (auto& a : impl_->imds_acceptors) a->close(ec);
  for (auto& [_, q] : impl_->queues) {
    if (q.notify) q.notify->cancel();
    for (auto* w : q.waiters) w->cancel();
  }
}

std::uint16_t server::port() const { return impl_->acceptor.local_endpoint().port(); }
std::string server::url() const { return impl_->base_url(); }

void server::add_key(access_key k) { impl_->keys[k.id] = std::move(k); }

void server::set_queue_shuffled(const std::string& queue, bool shuffled) { impl_->queues.at(queue).shuffled = shuffled; }
void server::set_inflight_limit(const std::string& queue, std::size_t limit) { impl_->queues.at(queue).inflight_limit = limit; }
void server::set_autoscaling_rate(double per_second, double burst) {
  impl_->asg_bucket.rate = per_second;
  impl_->asg_bucket.burst = impl_->asg_bucket.tokens = burst;
  impl_->asg_bucket.last = steady::now();
}
int server::autoscaling_throttled() const { return impl_->asg_bucket.throttled; }

outcome<std::uint16_t> server::add_imds_instance(const std::string& instance_id) {
  auto& i = *impl_;
  auto acc = std::make_unique<tcp::acceptor>(i.ex);
  boost::system::error_code ec;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error(errc::connection_failed, "emulator: cannot open an IMDS listener for " + instance_id + ": " + ec.message());
  const auto port = acc->local_endpoint().port();
  net::co_spawn(i.ex, i.accept_loop(*acc, instance_id), [](std::exception_ptr) {});
  i.imds_acceptors.push_back(std::move(acc));
  return port;
}

std::vector<message_history> server::message_histories(const std::string& queue) const {
  const auto& q = impl_->queues.at(queue);
  std::vector<message_history> out = q.gone;
  for (const auto& m : q.msgs) out.push_back({m.id, m.body, m.sent_steady, m.events, false});
  return out;
}

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
