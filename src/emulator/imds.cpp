// SPDX-License-Identifier: Apache-2.0
#include "impl.hpp"

#include <boost/asio/co_spawn.hpp>

namespace hookd::emulator {

reply server::impl::imds(const bhttp::request<bhttp::string_body>& req, const std::string& path, std::string& op,
                         const std::string& as) {
  const auto& instance = as.empty() ? imds_instance : as;
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
  if (item == "instance-id" && !instance.empty()) return text(200, instance);
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
  if (item == "autoscaling/target-lifecycle-state" && !instance.empty()) {
    expire_actions();
    for (const auto& [g, insts] : groups) {
      auto it = insts.find(instance);
      if (it == insts.end()) continue;
      const auto& s = it->second;
      if (s.rfind("Terminat", 0) == 0) return text(200, "Terminated");
      if (s.rfind("Detach", 0) == 0) return text(200, "Detached");
      if (s.rfind("Standby", 0) == 0 || s.rfind("EnteringStandby", 0) == 0) return text(200, "Standby");
      if (s.rfind("Warmed:Pending", 0) == 0) return text(200, "Warmed:" + warm_pool_state); // on its way into the pool
      if (s.rfind("Warmed:Terminat", 0) == 0) return text(200, "Warmed:Terminated");
      if (s.rfind("Warmed:", 0) == 0) return text(200, s.substr(0, s.find(':', 7)));
      return text(200, "InService");
    }
    return text(404, "Not Found");
  }
  if (auto items = imds_items.find(instance); items != imds_items.end())
    if (auto it = items->second.find(item); it != items->second.end()) return text(200, it->second);
  if (item == "spot/instance-action" && spot_action) return text(200, *spot_action);
  return text(404, "Not Found");
}

outcome<std::uint16_t> server::impl::add_imds_listener(const std::string& instance_id) {
  auto acc = std::make_unique<tcp::acceptor>(ex);
  boost::system::error_code ec;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error(errc::connection_failed, "emulator: cannot open an IMDS listener for " + instance_id + ": " + ec.message());
  const auto port = acc->local_endpoint().port();
  net::co_spawn(ex, accept_loop(*acc, instance_id), [](std::exception_ptr) {});
  imds_acceptors.push_back(std::move(acc));
  return port;
}

} // namespace hookd::emulator
