#pragma once
// SPDX-License-Identifier: Apache-2.0
// fork/exec of one command in its own session (so its whole process group can be signalled), with
// stdin from /dev/null, stdout/stderr on pipes, default signal dispositions, an empty signal mask
// and no descriptor of hookd's inherited. Exec failures come back through a close-on-exec pipe.
#include "hookd/core/error.hpp"
#include "hookd/proc/command.hpp"

#include <sys/types.h>

namespace hookd::proc {

/// A descriptor closed on destruction.
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  ~unique_fd();
  int get() const noexcept { return fd_; }
  int release() noexcept;
  explicit operator bool() const noexcept { return fd_ >= 0; }

private:
  int fd_ = -1;
};

struct credentials_for_child {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
  std::string home;
  std::string name; ///< the user name, for USER and LOGNAME
};

/// Resolves `user` or `user:group` with the passwd/group databases (in the parent: getpwnam is
/// not async-signal-safe, so the child must not call it).
outcome<credentials_for_child> resolve_user(const std::string& spec);

struct spawned_child {
  pid_t pid = -1;     ///< also the process group id (the child calls setsid)
  unique_fd out, err; ///< read ends of stdout/stderr
  unique_fd status;   ///< read end of the exec-status pipe: EOF = exec succeeded, else an exec_failure
};

/// What the child writes to the status pipe when it cannot exec.
struct exec_failure {
  int stage; ///< which step failed (see child.cpp)
  int err;   ///< errno
};

/// Forks and execs. Fails (without a child) only when pipes or fork fail, or run_as cannot be
/// resolved; exec errors arrive on `status` and are described by `describe_exec_failure`.
outcome<spawned_child> spawn(const command& cmd);

/// One line for an operator: "script /x is not executable (EACCES): chmod +x it".
std::string describe_exec_failure(const command& cmd, exec_failure f);

} // namespace hookd::proc
