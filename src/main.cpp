// SPDX-License-Identifier: Apache-2.0
// hookd's entry point: parse the settings, then hand over to the command (src/cli/). Everything
// that decides lives in the library; the commands wire it.
#include "hookd/cli/commands.hpp"
#include "hookd/cli/stack.hpp"
#include "hookd/config/config.hpp"
#include "hookd/core/read_file.hpp"

#include <openssl/crypto.h>

#include <csignal>
#include <malloc.h>
#include <optional>

using namespace hookd;

int main(int argc, char** argv) {
  // A closed log pipe must not kill hookd mid-action (lifecycled#12); scripts get SIGPIPE back.
  std::signal(SIGPIPE, SIG_IGN);
  // One malloc arena: the journal's helper thread would otherwise map a heap of its own on its
  // first entry, on the path from the receive to the script (and keep its pages at idle).
  mallopt(M_ARENA_MAX, 1);
  // A fixed mmap threshold: a block of 128 KiB or more (a receive of ten 1 MiB messages is a
  // 30 MiB answer) is mapped, and unmapped when freed. Left dynamic, glibc raises the threshold
  // after the first such block is freed, serves the next ones from the heap, and keeps that
  // heap: make soak saw an idle hookd's RSS floor rise from 12 to 29 MiB after hostile receives.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // The system's openssl.cnf is written for the system's OpenSSL (another version, providers and
  // engines a static binary cannot load, crypto policies): hookd's OpenSSL runs on its defaults,
  // the same on every distribution, and start-up does not parse that file.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto env = process_env();
  auto cfg = config::load(args, env, read_whole_file);
  if (!cfg) {
    std::fprintf(stderr, "hookd: %s\n", cfg.error().message().c_str());
    return cli::exit_usage;
  }
  if (cfg->help) {
    cli::print_help(stdout);
    return cli::exit_ok;
  }
  if (cfg->version) {
    cli::print_version(stdout);
    return cli::exit_ok;
  }
  const auto effective = config::effective_env(cfg->s, env);
  if (cfg->command == "cp") return cli::run_cp(*cfg, effective);
  if (cfg->command == "simulate") return cli::run_simulate(*cfg, effective);
  if (cfg->command == "check") return cli::run_check(*cfg, effective);
  if (cfg->command == "status") return cli::run_status(*cfg, effective);
  if (cfg->command != "run") {
    std::fprintf(stderr, "hookd: '%s' is not available in this build; run 'hookd --help'\n", cfg->command.c_str());
    return cli::exit_usage;
  }
  if (!cfg->positional.empty()) {
    std::fprintf(stderr, "hookd: unexpected argument '%s'; run 'hookd --help'\n", cfg->positional[0].c_str());
    return cli::exit_usage;
  }
  return cli::run_agent(*cfg, effective);
}
