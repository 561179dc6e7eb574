// SPDX-License-Identifier: Apache-2.0
#include "hookd/proc/child.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hookd::proc {

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}
unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}
int unique_fd::release() noexcept {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

namespace {

enum stage : int { st_setsid = 1, st_stdin, st_dup2, st_umask, st_chdir, st_setgroups, st_setgid, st_setuid, st_exec };

std::string errno_name(int e) {
  switch (e) {
  case ENOENT: return "ENOENT";
  case EACCES: return "EACCES";
  case ENOEXEC: return "ENOEXEC";
  case EPERM: return "EPERM";
  case ENOTDIR: return "ENOTDIR";
  case ETXTBSY: return "ETXTBSY";
  case ENOMEM: return "ENOMEM";
  default: return "errno " + std::to_string(e);
  }
}

// Everything the child needs, prepared before fork: after fork only async-signal-safe calls.
struct exec_plan {
  std::vector<std::string> argv_storage, sh_argv_storage;
  std::vector<char*> argv, sh_argv, envp;
};

exec_plan make_plan(const command& cmd) {
  exec_plan p;
  p.argv_storage.push_back(cmd.path);
  p.argv_storage.insert(p.argv_storage.end(), cmd.args.begin(), cmd.args.end());
  // A script with no `#!` line gets ENOEXEC from execve; shells then run it with /bin/sh, and so do we.
  p.sh_argv_storage.push_back("/bin/sh");
  p.sh_argv_storage.insert(p.sh_argv_storage.end(), p.argv_storage.begin(), p.argv_storage.end());
  for (auto& s : p.argv_storage) p.argv.push_back(s.data());
  p.argv.push_back(nullptr);
  for (auto& s : p.sh_argv_storage) p.sh_argv.push_back(s.data());
  p.sh_argv.push_back(nullptr);
  for (const auto& e : cmd.env) p.envp.push_back(const_cast<char*>(e.c_str()));
  p.envp.push_back(nullptr);
  return p;
}

// Closes every descriptor from `from` up, except `keep`. close_range (Linux 5.9) when the kernel
// has it; else a loop bounded by RLIMIT_NOFILE (kernels from 4.14 must work).
void close_from(int from, int keep) {
#ifdef SYS_close_range
  if (keep > from) {
    if (::syscall(SYS_close_range, from, keep - 1, 0) == 0 && ::syscall(SYS_close_range, keep + 1, ~0U, 0) == 0)
      return;
  } else if (::syscall(SYS_close_range, from, ~0U, 0) == 0) {
    return;
  }
#endif
  rlimit rl{};
  long max_fd = 65536;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    max_fd = static_cast<long>(std::min<rlim_t>(rl.rlim_cur, 1 << 20));
  for (long fd = from; fd < max_fd; ++fd)
    if (fd != keep) ::close(static_cast<int>(fd));
}

// glibc refuses to touch the two real-time signals it reserves for itself (32, 33), yet an
// ignored disposition on them is inherited from whoever started hookd: reset them with the raw
// system call. The kernel's struct: handler, flags, restorer, 8-byte mask.
void reset_reserved_signal(int sig) {
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    unsigned long mask;
  } ksa{SIG_DFL, 0, nullptr, 0};
  ::syscall(SYS_rt_sigaction, sig, &ksa, nullptr, sizeof ksa.mask);
}

[[noreturn]] void child_fail(int status_fd, int st) {
  const exec_failure f{st, errno};
  [[maybe_unused]] auto n = ::write(status_fd, &f, sizeof f);
  ::_exit(127);
}

[[noreturn]] void run_child(const command& cmd, const exec_plan& plan, const credentials_for_child* user, int out_w,
                            int err_w, int status_w) {
  if (::setsid() < 0) child_fail(status_w, st_setsid);

  // hookd ignores SIGPIPE and blocks signals for asio; the script must start with the defaults.
  // Every signal is still blocked here (spawn blocked them around vfork): the dispositions are
  // reset first, so none of hookd's handlers can run in this child, which shares its memory.
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP && ::signal(sig, SIG_DFL) == SIG_ERR) reset_reserved_signal(sig);
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);

  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull < 0 || ::dup2(devnull, STDIN_FILENO) < 0) child_fail(status_w, st_stdin);
  if (::dup2(out_w, STDOUT_FILENO) < 0 || ::dup2(err_w, STDERR_FILENO) < 0) child_fail(status_w, st_dup2);
  close_from(3, status_w);

  if (cmd.umask) ::umask(*cmd.umask);
  if (::chdir(cmd.working_dir.empty() ? "/" : cmd.working_dir.c_str()) < 0) child_fail(status_w, st_chdir);
  if (user) {
    // Raw system calls: glibc's wrappers would signal every thread of the process (setxid) to
    // change their credentials too, and this child shares hookd's memory and thread list.
    if (::syscall(SYS_setgroups, user->groups.size(), user->groups.data()) < 0) child_fail(status_w, st_setgroups);
    if (::syscall(SYS_setgid, user->gid) < 0) child_fail(status_w, st_setgid);
    if (::syscall(SYS_setuid, user->uid) < 0) child_fail(status_w, st_setuid);
  }
  ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  if (errno == ENOEXEC) ::execve("/bin/sh", plan.sh_argv.data(), plan.envp.data());
  child_fail(status_w, st_exec);
}

outcome<std::pair<unique_fd, unique_fd>> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0)
    return make_error(errc::io_failed, std::string("cannot create a pipe for the script: ") + std::strerror(errno) +
                                           "; check hookd's open-file limit (ulimit -n)");
  return std::pair{unique_fd(fds[0]), unique_fd(fds[1])};
}

} // namespace

outcome<credentials_for_child> resolve_user(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string user = spec.substr(0, colon);
  const std::string group = colon == std::string::npos ? std::string{} : spec.substr(colon + 1);
  passwd pw{};
  passwd* pw_res = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pw_res) != 0 || !pw_res)
    return make_error(errc::not_found,
                      "run-as user '" + user + "' does not exist on this instance; create it or fix --run-as");
  credentials_for_child c{pw.pw_uid, pw.pw_gid, {}, pw.pw_dir ? pw.pw_dir : "/", user};
  if (!group.empty()) {
    ::group gr{};
    ::group* gr_res = nullptr;
    std::vector<char> gbuf(16384);
    if (::getgrnam_r(group.c_str(), &gr, gbuf.data(), gbuf.size(), &gr_res) != 0 || !gr_res)
      return make_error(errc::not_found,
                        "run-as group '" + group + "' does not exist on this instance; create it or fix --run-as");
    c.gid = gr.gr_gid;
  }
  int n = 64;
  c.groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(user.c_str(), c.gid, c.groups.data(), &n) < 0) {
    c.groups.resize(static_cast<std::size_t>(n));
    ::getgrouplist(user.c_str(), c.gid, c.groups.data(), &n);
  }
  c.groups.resize(static_cast<std::size_t>(std::max(n, 0)));
  return c;
}

outcome<spawned_child> spawn(const command& cmd) {
  std::optional<credentials_for_child> user;
  if (!cmd.run_as.empty()) {
    auto u = resolve_user(cmd.run_as);
    if (!u) return u.error();
    user = std::move(*u);
  }
  auto out = make_pipe();
  if (!out) return out.error();
  auto err = make_pipe();
  if (!err) return err.error();
  auto status = make_pipe();
  if (!status) return status.error();
  const auto plan = make_plan(cmd);

  // vfork: the child borrows hookd's memory until its exec, so nothing is copied (no page tables,
  // no copy-on-write faults for the loop's next writes) and hookd resumes once the script runs.
  // The child makes only system calls (run_child) and never returns.
  sigset_t all, before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = ::vfork();
  if (pid == 0)
    run_child(cmd, plan, user ? &*user : nullptr, out->second.get(), err->second.get(), status->second.get());
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (pid < 0)
    return make_error(errc::io_failed, std::string("cannot start the script: vfork failed: ") + std::strerror(errno));

  // Parent: keep only the read ends; closing the write ends is what lets EOF arrive later.
  spawned_child child;
  child.pid = pid;
  child.out = std::move(out->first);
  child.err = std::move(err->first);
  child.status = std::move(status->first);
  return child;
}

std::string describe_exec_failure(const command& cmd, exec_failure f) {
  const std::string why = std::strerror(f.err) + std::string(" (") + errno_name(f.err) + ")";
  switch (f.stage) {
  case st_exec:
    if (f.err == ENOENT) return "script " + cmd.path + " not found: " + why + "; check the path (or its #! interpreter)";
    if (f.err == EACCES)
      return "script " + cmd.path + " is not executable: " + why + "; chmod +x it, and check the filesystem is not noexec";
    return "cannot run script " + cmd.path + ": " + why;
  case st_chdir: return "cannot change to working directory '" + cmd.working_dir + "' for the script: " + why;
  case st_setgroups:
  case st_setgid:
  case st_setuid:
    return "cannot switch to run-as user '" + cmd.run_as + "': " + why + "; hookd must run as root to use --run-as";
  default: return "cannot prepare the script's process (step " + std::to_string(f.stage) + "): " + why;
  }
}

} // namespace hookd::proc
