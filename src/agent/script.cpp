// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/script.hpp"

#include "hookd/agent/journal.hpp"
#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"
#include "hookd/core/private_dir.hpp"
#include "hookd/core/retry_loop.hpp"
#include "hookd/crypto/digest.hpp"
#include "hookd/http/proxy.hpp"
#include "hookd/proc/child.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd::agent {
namespace net = boost::asio;

namespace {
constexpr std::string_view run_as_prefix = "hookd-run-";

bool proxy_variable(std::string_view name) {
  return name == "HTTPS_PROXY" || name == "https_proxy" || name == "HTTP_PROXY" || name == "http_proxy";
}

/// The downloaded script, for a --run-as user who cannot enter the (root-only) state directory:
/// copied into a fresh mkdtemp directory that the user owns, mode 0500. Root never executes it;
/// the child does, once it is that user, so nothing another user can swap ever runs as root.
outcome<std::string> stage_for_user(const std::string& path, const std::string& run_as) {
  auto user = proc::resolve_user(run_as);
  if (!user) return user.error();
  auto dir = make_private_temp_dir("hookd-run");
  if (!dir) return dir.error();
  const auto fail = [&](const std::string& what) {
    std::error_code ec;
    std::filesystem::remove_all(*dir, ec);
    return make_error(errc::io_failed, "cannot hand the script to run-as user '" + run_as + "': " + what + ": " +
                                           std::strerror(errno));
  };
  const auto dest = *dir + "/" + std::filesystem::path(path).filename().string();
  const int in = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return fail("open " + path);
  const int out = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0500);
  if (out < 0) {
    ::close(in);
    return fail("create " + dest);
  }
  char buf[65536];
  ssize_t n = 0;
  bool ok = true;
  while (ok && (n = ::read(in, buf, sizeof buf)) > 0) ok = ::write(out, buf, static_cast<std::size_t>(n)) == n;
  ok = ok && n == 0 && ::fchown(out, user->uid, user->gid) == 0 && ::fchmod(out, 0500) == 0;
  ::close(in);
  if (::close(out) != 0) ok = false;
  if (!ok || ::chown(dir->c_str(), user->uid, user->gid) != 0) return fail("copy to " + dest);
  return dest;
}
} // namespace

void discard_script(const std::string& path, const script_options& s) {
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (path.rfind(s.state_dir + "/scripts/", 0) == 0) std::filesystem::remove(path, ec);
  else if (parent.filename().string().rfind(run_as_prefix, 0) == 0) std::filesystem::remove_all(parent, ec);
}

net::awaitable<outcome<identity>> resolve_identity(const config::settings& s, std::string region, std::string instance_id,
                                                   aws::autoscaling_client& asg, logger& log,
                                                   const std::function<bool()>& give_up) {
  identity id{std::move(region), std::move(instance_id), s.group, {}};
  auto attempt = [&]() -> net::awaitable<std::string> {
    if (id.group.empty()) {
      auto inst = co_await asg.describe_instance(id.instance_id);
      if (!inst) co_return inst.error().message();
      if (!*inst)
        co_return "instance " + id.instance_id + " is not in any Auto Scaling group (DescribeAutoScalingInstances); set --group if it is";
      id.group = (*inst)->group;
    }
    auto hooks = co_await asg.describe_lifecycle_hooks(id.group);
    if (!hooks) co_return hooks.error().message();
    id.hooks.clear();
    for (auto& h : *hooks) id.hooks[h.name] = h;
    for (const auto& wanted : s.hooks)
      if (!id.hooks.count(wanted))
        co_return "lifecycle hook '" + wanted + "' does not exist in group " + id.group +
            " (DescribeLifecycleHooks); create it or fix --hook";
    co_return std::string();
  };
  const backoff_policy policy{s.error_backoff, std::chrono::minutes(5)}; // named: GCC 12 and temporaries in co_await
  auto problem = co_await retry_with_backoff(
      attempt, policy, give_up,
      [&log](int n, const std::string& p, std::chrono::milliseconds wait) {
        log.warn("startup-retry", {{"attempt", std::to_string(n)}, {"problem", p}, {"retry_in", format_duration(wait)}});
      });
  if (!problem.empty()) co_return make_error(errc::not_found, problem);
  co_return id;
}

const std::string& script_for(const script_options& s, lifecycle::transition t, std::string_view destination) {
  if (destination == lifecycle::warm_pool && !s.on_warm.empty()) return s.on_warm;
  return t == lifecycle::transition::terminate ? s.on_terminate : s.on_launch;
}

const std::string& script_for(const script_options& s, const lifecycle::lifecycle_action& a) {
  return script_for(s, a.transition, a.destination);
}

proc::command script_command(const std::string& path, const lifecycle::lifecycle_action& a, const std::string& region,
                             const script_options& s, const env_lookup& env) {
  proc::command c;
  c.path = path;
  c.args = {std::string(lifecycle::transition_word(a.transition)), a.instance_id};
  c.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOOKD_TRANSITION=" + std::string(lifecycle::transition_word(a.transition)),
           "HOOKD_INSTANCE_ID=" + a.instance_id,
           "HOOKD_GROUP=" + a.group,
           "HOOKD_HOOK=" + a.hook,
           "HOOKD_ACTION_TOKEN=" + a.aws_token(),
           "HOOKD_TRIGGER=" + a.trigger,
           "HOOKD_NOTIFICATION_METADATA=" + a.metadata,
           "HOOKD_ORIGIN=" + a.origin,
           "HOOKD_DESTINATION=" + a.destination,
           "HOOKD_REGION=" + region,
           "AWS_REGION=" + region,
           "AWS_DEFAULT_REGION=" + region};
  // The operator's script runs the AWS CLI or `hookd cp`: give it the same view of AWS as hookd.
  // A --run-as script gets its own user's HOME, USER and LOGNAME, and root's static keys only
  // when the operator asks for it (--run-as-aws-keys); instance-profile credentials reach it
  // through instance metadata anyway.
  const bool as_other = !s.run_as.empty();
  if (as_other) {
    if (auto u = proc::resolve_user(s.run_as)) {
      c.env.push_back("HOME=" + u->home);
      c.env.push_back("USER=" + u->name);
      c.env.push_back("LOGNAME=" + u->name);
    }
  }
  for (const char* v : {"HOME", "LANG", "TZ", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_CA_BUNDLE",
                        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_AUTO_SCALING",
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_DISABLED", "AWS_MAX_ATTEMPTS",
                        "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"}) {
    const std::string_view name(v);
    if (as_other && (name == "HOME" || ((name == "AWS_ACCESS_KEY_ID" || name == "AWS_SECRET_ACCESS_KEY" ||
                                         name == "AWS_SESSION_TOKEN" || name == "AWS_SHARED_CREDENTIALS_FILE") &&
                                        !s.run_as_aws_keys)))
      continue;
    auto value = env(v);
    if (!value) continue;
    // A proxy's user:password is hookd's own secret: a --run-as script gets the proxy's address
    // only, so it can still reach it (issue 24). A script run as hookd's user could read it anyway.
    if (as_other && proxy_variable(name)) *value = http::without_userinfo(*value);
    c.env.push_back(std::string(v) + "=" + *value);
  }
  c.run_as = s.run_as;
  c.working_dir = "/";
  return c;
}

net::awaitable<std::optional<std::string>> fetch_script(const script_options& s, const lifecycle::lifecycle_action& a,
                                                        const std::string& source_override, aws::s3_client* s3, logger& log,
                                                        std::string& why) {
  const auto& source = !source_override.empty() ? source_override : script_for(s, a);
  std::string path = source;
  if (source.rfind("s3://", 0) == 0) {
    auto uri = aws::parse_s3_uri(source);
    if (!uri) {
      why = uri.error().message();
      co_return std::nullopt;
    }
    if (!s3) {
      why = "no S3 client to fetch " + source;
      co_return std::nullopt;
    }
    const auto dir = s.state_dir + "/scripts";
    if (auto p = ensure_private_dir(dir); !p) {
      why = p.error().message();
      co_return std::nullopt;
    }
    path = dir + "/" + journal::name_of(a);
    auto got = co_await s3->get_object_to_file(*uri, path);
    if (!got) {
      why = "cannot download the script: " + got.error().message();
      co_return std::nullopt;
    }
    ::chmod(path.c_str(), 0700);
    log.info("script-downloaded", {{"source", source}, {"bytes", std::to_string(got->size)}});
    if (!s.run_as.empty()) {
      auto staged = stage_for_user(path, s.run_as);
      ::unlink(path.c_str());
      if (!staged) {
        why = staged.error().message();
        co_return std::nullopt;
      }
      path = *staged;
    }
  }
  if (!s.script_sha256.empty()) {
    std::string err;
    const auto digest = crypto::sha256_file_hex(path, err);
    if (digest.empty()) {
      why = "cannot read the script to check its SHA-256: " + err;
      co_return std::nullopt;
    }
    if (digest != s.script_sha256) {
      why = "the script's SHA-256 is " + digest + ", not the expected " + s.script_sha256 + " (--script-sha256)";
      co_return std::nullopt;
    }
  }
  co_return path;
}

net::awaitable<proc::run_result> supervise_script(proc::command cmd, const script_options& s, const std::string& token,
                                                  logger& log, net::cancellation_slot stop, std::function<void(pid_t)> on_spawn) {
  proc::limits lim;
  lim.time_limit = s.time_limit;
  lim.grace = s.kill_grace;
  lim.on_spawn = std::move(on_spawn);
  auto on_line = [&log, token](std::string_view stream, std::string_view line, bool truncated) {
    log.info("script-output", {{"stream", std::string(stream)}, {"line", std::string(line)},
                               {"truncated", truncated ? "yes" : "no"}, {"token", token}});
  };
  co_return co_await net::co_spawn(co_await net::this_coro::executor, proc::run(std::move(cmd), lim, on_line),
                                   net::bind_cancellation_slot(stop, net::use_awaitable));
}

} // namespace hookd::agent
