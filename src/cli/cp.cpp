// SPDX-License-Identifier: Apache-2.0
// `hookd cp FILE|- s3://BUCKET/KEY`: an upload with hookd's credentials, for scripts on hosts
// without the AWS CLI.
#include "hookd/aws/s3.hpp"
#include "hookd/cli/commands.hpp"
#include "hookd/cli/stack.hpp"

#include <boost/asio/co_spawn.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace hookd::cli {
namespace net = boost::asio;

namespace {
/// stdin into a private temporary file: S3 needs the length up front. Empty on failure (said).
std::string buffer_stdin() {
  char name[] = "/tmp/hookd-cp-XXXXXX";
  const int fd = ::mkostemp(name, O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "hookd cp: cannot create a temporary file: %s\n", std::strerror(errno));
    return {};
  }
  char buf[65536];
  for (ssize_t n; (n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0;)
    if (::write(fd, buf, static_cast<std::size_t>(n)) != n) {
      std::fprintf(stderr, "hookd cp: cannot buffer stdin: %s\n", std::strerror(errno));
      ::close(fd);
      ::unlink(name);
      return {};
    }
  ::close(fd);
  return name;
}
} // namespace

int run_cp(const config::parse_result& cfg, const env_lookup& env) {
  std::signal(SIGHUP, SIG_IGN); // a stray SIGHUP (logrotate, a closed terminal) must not end it mid-work
  if (cfg.positional.size() != 2) {
    std::fprintf(stderr, "hookd cp: usage: hookd cp FILE|- s3://BUCKET/KEY\n");
    return exit_usage;
  }
  auto uri = aws::parse_s3_uri(cfg.positional[1]);
  if (!uri) {
    std::fprintf(stderr, "hookd cp: %s\n", uri.error().message().c_str());
    return exit_usage;
  }
  std::string src = cfg.positional[0], tmp;
  if (src == "-" && (src = tmp = buffer_stdin()).empty()) return exit_failure;
  net::io_context ioc{1};
  int rc = exit_failure;
  net::co_spawn(ioc, [&]() -> net::awaitable<void> {
    where_rules rules; // named: GCC 12 and braced temporaries in co_await
    rules.need_instance = false;
    auto st = co_await start_stack(ioc, env, cfg.s, rules, nullptr);
    outcome<aws::resolved_endpoint> ep = st ? st->endpoint(aws::service::s3) : outcome<aws::resolved_endpoint>(st.error());
    if (!ep) {
      std::fprintf(stderr, "hookd cp: %s\n", ep.error().message().c_str());
      co_return;
    }
    aws::s3_client s3(*st->caller, *ep, aws::s3_options{cfg.s.expected_bucket_owner, false});
    auto r = co_await s3.put_object_from_file(*uri, src);
    if (!r) {
      std::fprintf(stderr, "hookd cp: %s\n", r.error().message().c_str());
      co_return;
    }
    std::printf("upload: %s to %s (%llu bytes)\n", cfg.positional[0].c_str(), uri->str().c_str(),
                static_cast<unsigned long long>(r->size));
    rc = exit_ok;
  }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
  ioc.run();
  if (!tmp.empty()) ::unlink(tmp.c_str());
  return rc;
}

} // namespace hookd::cli
