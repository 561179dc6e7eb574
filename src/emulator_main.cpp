// hookd-emulator: the local AWS that `make demo` and manual experiments talk to. Prints its URL
// (and the CA bundle to trust, with --tls) on the first line of stdout, then serves until SIGINT
// or SIGTERM. Scenarios are set up through the JSON control API under /_emulator/.
#include "hookd/emulator/emulator.hpp"
#include "hookd/emulator/test_pki.hpp"
#include "hookd/version.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {
void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: hookd-emulator [--port N] [--region R] [--tls DIR] [--key ID:SECRET]\n"
               "A local AWS (SQS, Auto Scaling, S3, IMDSv2) for hookd's tests and demo. Listens on 127.0.0.1.\n"
               "  --port N        port to listen on (default 0: any free port)\n"
               "  --region R      the region it pretends to be (default us-east-1)\n"
               "  --tls DIR       serve HTTPS with a throw-away CA written to DIR (ca.pem is the bundle to trust)\n"
               "  --key ID:SECRET an access key it accepts (repeatable)\n"
               "Control API: POST http://127.0.0.1:PORT/_emulator/<command> with a JSON object.\n");
}
} // namespace

int main(int argc, char** argv) {
  hookd::emulator::options opt;
  std::string tls_dir;
  std::vector<hookd::emulator::access_key> keys;
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
    } else if (a == "--key") {
      const auto kv = value();
      const auto colon = kv.find(':');
      if (colon == std::string::npos) {
        std::fprintf(stderr, "hookd-emulator: --key wants ID:SECRET\n");
        return 2;
      }
      keys.push_back({kv.substr(0, colon), kv.substr(colon + 1), {}, std::nullopt});
    } else {
      std::fprintf(stderr, "hookd-emulator: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  std::string ca;
  if (!tls_dir.empty()) {
    auto pki = hookd::emulator::make_test_pki(tls_dir);
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
