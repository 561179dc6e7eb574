// hookd's command line. The agent itself arrives with the Agent issue; this entry point already
// carries the interface every later command plugs into: --help, --version, exit codes.
#include "hookd/version.hpp"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_usage = 2;

void print_help(std::FILE* out) {
  std::fprintf(out,
               "Usage: hookd [OPTION]...\n"
               "Runs the EC2 Auto Scaling lifecycle hooks of the instance it runs on: receives the\n"
               "lifecycle notification for this instance from SQS, runs the operator's script,\n"
               "heartbeats while it runs, and completes the lifecycle action.\n"
               "\n"
               "Options:\n"
               "  -h, --help       print this help and exit\n"
               "  -V, --version    print the version and exit\n"
               "\n"
               "Exit status:\n"
               "  0  success\n"
               "  2  invalid command line\n"
               "\n"
               "Environment:\n"
               "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   static credentials\n"
               "  AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE      shared credential files\n"
               "\n"
               "Status: this build contains the signer and credential chain; the agent loop is not\n"
               "part of it yet, so hookd only answers --help and --version.\n");
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_help(stdout);
      return exit_ok;
    }
    if (arg == "-V" || arg == "--version") {
      std::printf("hookd %s\n", hookd::version);
      return exit_ok;
    }
    std::fprintf(stderr, "hookd: unknown argument '%s'; run 'hookd --help' for usage\n", argv[i]);
    return exit_usage;
  }
  std::fprintf(stderr, "hookd: the agent loop is not in this build yet; run 'hookd --help'\n");
  return exit_usage;
}
