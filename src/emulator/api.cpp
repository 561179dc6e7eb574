// SPDX-License-Identifier: Apache-2.0
// The emulator's in-process API: what tests and benches set up, trigger and inspect.
#include "impl.hpp"

namespace hookd::emulator {

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
server::handshake_counts server::tls_handshakes() const { return impl_->handshakes; }

outcome<std::uint16_t> server::add_imds_instance(const std::string& instance_id) {
  return impl_->add_imds_listener(instance_id);
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
void server::set_imds_item(const std::string& instance_id, const std::string& path, std::optional<std::string> body) {
  if (body) impl_->imds_items[instance_id][path] = std::move(*body);
  else impl_->imds_items[instance_id].erase(path);
}
void server::set_activation_delay(std::chrono::milliseconds d) { impl_->activation_delay = d; }
void server::add_fault(fault f) { impl_->faults.push_back(std::move(f)); }
void server::clear_faults() { impl_->faults.clear(); }
void server::set_answer_delay(const std::string& service, std::chrono::milliseconds d) {
  if (d.count() > 0) impl_->answer_delay[service] = d;
  else impl_->answer_delay.erase(service);
}
int server::faults_left(const std::string& operation) const {
  int n = 0;
  for (const auto& f : impl_->faults)
    if (f.operation == operation) n += f.count;
  return n;
}
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
std::vector<std::string> server::launch_into_warm_pool(const std::string& group, const std::string& instance) {
  return impl_->transition(group, instance, false, true);
}
void server::return_to_warm_pool(const std::string& group, const std::string& instance) {
  impl_->groups.at(group)[instance] = "Warmed:" + impl_->warm_pool_state;
}
std::vector<std::string> server::scale_in_to_warm_pool(const std::string& group, const std::string& instance) {
  return impl_->transition(group, instance, true, true);
}
void server::set_warm_pool_state(const std::string& state) { impl_->warm_pool_state = state; }

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


outcome<tls_emulator> start_tls_emulator(net::any_io_executor ex, const std::string& dir) {
  auto pki = make_test_pki(dir);
  if (!pki) return pki.error();
  options o;
  o.tls = true;
  o.cert_file = pki->server_cert;
  o.key_file = pki->server_key;
  tls_emulator out{*pki, std::make_unique<server>(std::move(ex), o)};
  if (auto p = out.emu->start(); !p) return p.error();
  return out;
}

} // namespace hookd::emulator
