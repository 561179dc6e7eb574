// SPDX-License-Identifier: Apache-2.0
// hookd-emulator: the local AWS that `make demo` and manual experiments talk to. Prints its URL
// (and the CA bundle to trust, with --tls) on the first line of stdout, then serves until SIGINT
// or SIGTERM. Scenarios are set up through the JSON control API under /_emulator/.
#include "hookd/emulator/emulator.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/http/client.hpp"
#include "hookd/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {
void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: hookd-emulator [--port N] [--region R] [--tls DIR] [--key ID:SECRET]\n"
               "       hookd-emulator ctl URL COMMAND [JSON]   (one control-API call; COMMAND summary prints the state)\n"
               "A local AWS (SQS, Auto Scaling, S3, IMDSv2, ELBv2, ECS, SNS) for hookd's tests and demo. Listens on 127.0.0.1.\n"
               "  --port N        port to listen on (default 0: any free port)\n"
               "  --region R      the region it pretends to be (default us-east-1)\n"
               "  --tls DIR       serve HTTPS with a throw-away CA written to DIR (ca.pem is the bundle to trust)\n"
               "  --tls-name NAME another DNS name for the certificate besides localhost (repeatable)\n"
               "  --key ID:SECRET an access key it accepts (repeatable)\n"
               "  --answer-delay [SERVICE=]MS  wait MS before each answer of SERVICE (sqs, autoscaling, s3, imds; all\n"
               "                  without SERVICE), as a round trip from an instance does (repeatable)\n"
               "Control API: POST http://127.0.0.1:PORT/_emulator/<command> with a JSON object.\n");
}
} // namespace

namespace {
/// The load balancers' registrations and the ECS container instances, as `summary` prints them.
void print_drain_state(const boost::json::object& state) {
  namespace json = boost::json;
  const auto* groups = state.if_contains("target_groups");
  if (groups && groups->is_object() && !groups->as_object().empty()) {
    std::printf("Target groups (registrations left):\n");
    for (const auto& [name, held] : groups->as_object()) {
      std::string list;
      for (const auto& t : held.as_array()) {
        const auto& o = t.as_object();
        list += " " + json::value_to<std::string>(o.at("id")) + ":" + std::to_string(o.at("port").to_number<long long>()) + " (" +
                json::value_to<std::string>(o.at("state")) + ")";
      }
      std::printf("  %s:%s\n", std::string(name).c_str(), list.empty() ? " none" : list.c_str());
    }
  }
  const auto* cis = state.if_contains("container_instances");
  if (cis && cis->is_array() && !cis->as_array().empty()) {
    std::printf("ECS container instances:\n");
    for (const auto& c : cis->as_array()) {
      const auto& o = c.as_object();
      std::printf("  %s/%s: %s\n", json::value_to<std::string>(o.at("cluster")).c_str(),
                  json::value_to<std::string>(o.at("ec2_instance_id")).c_str(), json::value_to<std::string>(o.at("status")).c_str());
    }
  }
}
} // namespace

/// `hookd-emulator ctl URL COMMAND [JSON]`: one control-API call (TLS verified with AWS_CA_BUNDLE).
/// COMMAND `summary` prints the scenario's state for people instead of JSON.
int control(int argc, char** argv) {
  namespace json = boost::json;
  if (argc < 4) {
    std::fprintf(stderr, "usage: hookd-emulator ctl URL COMMAND [JSON]\n");
    return 2;
  }
  const std::string url = argv[2], command = argv[3], body = argc > 4 ? argv[4] : "{}";
  auto ep = hookd::http::parse_endpoint(url);
  if (!ep) {
    std::fprintf(stderr, "hookd-emulator ctl: %s\n", ep.error().message().c_str());
    return 2;
  }
  boost::asio::io_context ioc{1};
  hookd::http::client_config cfg;
  cfg.env = hookd::process_env();
  hookd::http::client http(ioc.get_executor(), cfg);
  int rc = 1;
  auto call = [&](std::string cmd, std::string payload) -> boost::asio::awaitable<std::optional<json::object>> {
    hookd::http::string_request req{hookd::http::bhttp::verb::post, "/_emulator/" + cmd, 11};
    req.body() = payload;
    req.set(hookd::http::bhttp::field::content_type, "application/json");
    auto r = co_await http.send(*ep, std::move(req), {});
    if (!r) {
      std::fprintf(stderr, "hookd-emulator ctl: %s\n", r.error().message().c_str());
      co_return std::nullopt;
    }
    boost::system::error_code ec;
    auto v = json::parse(r->body(), ec);
    if (ec || !v.is_object() || r->result_int() != 200) {
      std::fprintf(stderr, "hookd-emulator ctl %s: HTTP %u %s\n", cmd.c_str(), r->result_int(), r->body().c_str());
      co_return std::nullopt;
    }
    co_return std::move(v.as_object());
  };
  boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
    if (command != "summary") {
      auto r = co_await call(command, body);
      if (!r) co_return;
      std::printf("%s\n", json::serialize(*r).c_str());
      rc = 0;
      co_return;
    }
    auto state = co_await call("state", "{}");
    auto calls = co_await call("calls", "{}");
    if (!state || !calls) co_return;
    std::printf("Lifecycle actions:\n");
    for (const auto& a : state->at("actions").as_array()) {
      const auto& o = a.as_object();
      std::printf("  %-10s hook %-8s %s  heartbeats %lld  %s\n", json::value_to<std::string>(o.at("instance")).c_str(),
                  json::value_to<std::string>(o.at("hook")).c_str(),
                  o.at("active").as_bool() ? "still waiting" : ("result " + json::value_to<std::string>(o.at("result"))).c_str(),
                  static_cast<long long>(o.at("heartbeats").to_number<long long>()),
                  o.at("timed_out").as_bool() ? "(timed out)" : "");
    }
    std::printf("Instances:\n");
    for (const auto& [g, insts] : state->at("groups").as_object())
      for (const auto& [id, st] : insts.as_object())
        std::printf("  %s/%s: %s\n", std::string(g).c_str(), std::string(id).c_str(), json::value_to<std::string>(st).c_str());
    std::printf("Queues (messages left for their owners):\n");
    for (const auto& [q, info] : state->at("queues").as_object())
      std::printf("  %s: %lld\n", std::string(q).c_str(), static_cast<long long>(info.as_object().at("depth").to_number<long long>()));
    std::printf("S3 objects:\n");
    for (const auto& [b, keys] : state->at("buckets").as_object())
      for (const auto& k : keys.as_array()) std::printf("  s3://%s/%s\n", std::string(b).c_str(), json::value_to<std::string>(k).c_str());
    print_drain_state(*state);
    std::map<std::string, int> ops;
    for (const auto& c : calls->at("calls").as_array()) ++ops[json::value_to<std::string>(c.as_object().at("operation"))];
    std::printf("AWS calls hookd made:\n");
    for (const auto& [op, n] : ops)
      if (op.rfind("GET /", 0) != 0 && op.rfind("PUT /", 0) != 0) std::printf("  %-32s %d\n", op.c_str(), n);
    rc = 0;
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  return rc;
}

namespace {
/// `--answer-delay [SERVICE=]MS`: SERVICE is sqs, autoscaling, s3 or imds; without it, all.
bool parse_answer_delay(const std::string& kv, std::vector<std::pair<std::string, int>>& out) {
  const auto eq = kv.find('=');
  const auto ms = kv.substr(eq == std::string::npos ? 0 : eq + 1);
  char* end = nullptr;
  const long n = std::strtol(ms.c_str(), &end, 10);
  if (ms.empty() || *end != '\0' || n < 0 || n > 60000) {
    std::fprintf(stderr, "hookd-emulator: --answer-delay wants [SERVICE=]MS with MS 0-60000, got '%s'\n", kv.c_str());
    return false;
  }
  out.emplace_back(eq == std::string::npos ? "*" : kv.substr(0, eq), static_cast<int>(n));
  return true;
}
} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "ctl") return control(argc, argv);
  hookd::emulator::options opt;
  std::string tls_dir;
  std::vector<std::string> tls_names{"localhost"};
  std::vector<hookd::emulator::access_key> keys;
  std::vector<std::pair<std::string, int>> delays;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "hookd-emulator: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("hookd-emulator %s\n", hookd::version);
      return 0;
    } else if (a == "--port") {
      opt.port = static_cast<std::uint16_t>(std::atoi(value().c_str()));
    } else if (a == "--region") {
      opt.region = value();
    } else if (a == "--tls") {
      tls_dir = value();
    } else if (a == "--tls-name") {
      tls_names.push_back(value());
    } else if (a == "--key") {
      const auto kv = value();
      const auto colon = kv.find(':');
      if (colon == std::string::npos) {
        std::fprintf(stderr, "hookd-emulator: --key wants ID:SECRET\n");
        return 2;
      }
      keys.push_back({kv.substr(0, colon), kv.substr(colon + 1), {}, std::nullopt});
    } else if (a == "--answer-delay") {
      if (!parse_answer_delay(value(), delays)) return 2;
    } else {
      std::fprintf(stderr, "hookd-emulator: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  std::string ca;
  if (!tls_dir.empty()) {
    auto pki = hookd::emulator::make_test_pki(tls_dir, tls_names);
    if (!pki) {
      std::fprintf(stderr, "hookd-emulator: %s\n", pki.error().message().c_str());
      return 1;
    }
    opt.tls = true;
    opt.cert_file = pki->server_cert;
    opt.key_file = pki->server_key;
    ca = pki->ca_cert;
  }
  boost::asio::io_context ioc{1};
  hookd::emulator::server emu(ioc.get_executor(), opt);
  for (auto& k : keys) emu.add_key(k);
  for (const auto& [svc, ms] : delays) emu.set_answer_delay(svc, std::chrono::milliseconds(ms));
  auto port = emu.start();
  if (!port) {
    std::fprintf(stderr, "hookd-emulator: %s\n", port.error().message().c_str());
    return 1;
  }
  std::printf("%s%s%s\n", emu.url().c_str(), ca.empty() ? "" : " ", ca.c_str());
  std::fflush(stdout);
  boost::asio::signal_set stop(ioc, SIGINT, SIGTERM);
  stop.async_wait([&](auto, int) {
    emu.stop();
    ioc.stop();
  });
  ioc.run();
  return 0;
}
