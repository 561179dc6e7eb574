// SPDX-License-Identifier: Apache-2.0
// `--help` and `--version`.
#include "hookd/cli/commands.hpp"
#include "hookd/version.hpp"

#include <boost/version.hpp>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>

#include <sys/utsname.h>

namespace hookd::cli {

void print_help(std::FILE* out) {
  std::fprintf(out,
               "Usage: hookd [run] [OPTION]...\n"
               "       hookd cp FILE|- s3://BUCKET/KEY [OPTION]...\n"
               "       hookd simulate [--transition terminate|launch] [--script PATH|s3://...] [--timeout D]\n"
               "       hookd check | status [OPTION]...\n"
               "Runs the EC2 Auto Scaling lifecycle hooks of the instance it runs on: learns of this\n"
               "instance's lifecycle action from the SQS queue or from instance metadata (--trigger),\n"
               "runs the operator's script with arguments TRANSITION INSTANCE_ID, heartbeats while it\n"
               "runs, completes the lifecycle action, and only then deletes the message.\n"
               "\n"
               "Commands:\n"
               "  run (default)   handle this instance's lifecycle actions\n"
               "  cp              upload a file (or - for stdin) to S3 with hookd's credentials\n"
               "  simulate        run the script as a real action would (--transition, --script, --timeout),\n"
               "                  with a synthetic event: no Auto Scaling call, no queue; prints the result\n"
               "  check           verify the set-up from this instance, one line per check (exit 0 when all pass)\n"
               "  status          what the running hookd is doing: sources, the running action, last results\n"
               "                  (exit 0 when healthy)\n"
               "\n"
               "Options (flag, then the environment variable; a config file may set the same variables):\n"
               "  --config FILE                        HOOKD_CONFIG                   KEY=VALUE file (default /etc/hookd/hookd.conf)\n"
               "%s"
               "  -h, --help                         print this help and exit\n"
               "  -V, --version                      print the version and exit\n"
               "\n"
               "Standard AWS variables work as in the AWS CLI: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
               "AWS_SESSION_TOKEN, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_REGION,\n"
               "AWS_ENDPOINT_URL[_SQS|_AUTO_SCALING|_S3], AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS,\n"
               "AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT, HTTPS_PROXY, NO_PROXY.\n"
               "\n"
               "The script gets HOOKD_TRANSITION, HOOKD_INSTANCE_ID, HOOKD_GROUP, HOOKD_HOOK,\n"
               "HOOKD_ACTION_TOKEN, HOOKD_NOTIFICATION_METADATA, HOOKD_REGION, HOOKD_TRIGGER and AWS_REGION.\n"
               "\n"
               "Signals: SIGTERM/SIGINT stop receiving; a running action may finish within\n"
               "--shutdown-grace, then its script is stopped and the action completed with the\n"
               "failure result. A second SIGTERM stops the script at once. SIGHUP reopens --log-file.\n"
               "\n"
               "Exit status:\n"
               "  0  stopped normally, or another hookd already holds the lock\n"
               "  1  a start-up failure (state directory, log file, credentials, AWS set-up)\n"
               "  2  invalid command line or configuration\n",
               config::help_table().c_str());
}

void print_version(std::FILE* out) {
  utsname u{};
  ::uname(&u);
  std::fprintf(out, "hookd %s (commit %s, %s; %s, Boost %d.%d.%d)\n", hookd::version, hookd::commit, hookd::architecture,
               OpenSSL_version(OPENSSL_VERSION), BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
}

} // namespace hookd::cli
