// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace hookd {
namespace {

/// Closes a descriptor on every path out.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

/// Creates DIR/.NAME.tmp as a new regular file, never opening what is already there. The
/// directory may be shared (a node_exporter textfile directory, /tmp): a symbolic link planted at
/// the temporary name would make a plain O_CREAT|O_TRUNC write through it (as root, into any
/// file), and a FIFO would block the open or the write for ever (issue 24, defect 3). O_EXCL
/// fails on any existing name, a link included, without following it; such a leftover is removed
/// by unlinkat (which removes a link, never its target) and the create is tried once more. A
/// second EEXIST means someone is racing us for the name: give up rather than loop.
int create_temp(int dfd, const std::string& tmp_name, unsigned mode) {
  // O_NONBLOCK: belt and braces, since O_EXCL never opens a FIFO or a device anyway.
  constexpr int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  int fd = ::openat(dfd, tmp_name.c_str(), flags, mode);
  if (fd < 0 && errno == EEXIST) {
    if (::unlinkat(dfd, tmp_name.c_str(), 0) != 0 && errno != ENOENT) return -1;
    fd = ::openat(dfd, tmp_name.c_str(), flags, mode);
  }
  return fd;
}

outcome<void> write_all(int fd, const std::string& data, const std::string& tmp) {
  std::size_t off = 0;
  while (off < data.size()) {
    const auto n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(errc::io_failed, write_failure("write", tmp, errno));
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

} // namespace

outcome<void> write_file_atomic(const std::string& dir, const std::string& name, const std::string& data, unsigned mode,
                                bool durable) {
  const std::string tmp_name = "." + name + ".tmp";
  const std::string tmp = dir + "/" + tmp_name;
  const std::string final_path = dir + "/" + name;
  // Everything below is relative to one descriptor of the directory: a path component swapped
  // for a link between the create and the rename cannot send them to two places.
  fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0) return make_error(errc::io_failed, "cannot open directory " + dir + ": " + std::strerror(errno));
  fd_guard f{create_temp(d.fd, tmp_name, mode)};
  if (f.fd < 0)
    return make_error(errc::io_failed, "cannot create " + tmp + ": " + std::strerror(errno) +
                                           " (something else holds that name: remove it, or keep others out of " + dir + ")");
  // Whatever fails (a full disk most often), the half-written file is removed: nothing is left
  // behind to fill the disk further or to be mistaken for an entry.
  const auto fail = [&](error e) {
    ::unlinkat(d.fd, tmp_name.c_str(), 0);
    return e;
  };
  if (auto w = write_all(f.fd, data, tmp); !w) return fail(w.error());
  if (durable && ::fsync(f.fd) != 0) return fail(make_error(errc::io_failed, write_failure("sync", tmp, errno)));
  ::fchmod(f.fd, mode); // the umask must not narrow what a reader (node_exporter) needs
  const int fd = std::exchange(f.fd, -1);
  if (::close(fd) != 0) return fail(make_error(errc::io_failed, "cannot close " + tmp + ": " + std::strerror(errno)));
  // rename replaces whatever is at the final name (a link, a FIFO) without opening it.
  if (::renameat(d.fd, tmp_name.c_str(), d.fd, name.c_str()) != 0)
    return fail(make_error(errc::io_failed, "cannot rename to " + final_path + ": " + std::strerror(errno)));
  if (durable) ::fsync(d.fd); // makes the rename itself durable
  return {};
}

std::string write_failure(const char* what, const std::string& path, int e) {
  return std::string("cannot ") + what + " " + path + ": " + std::strerror(e) +
         (e == ENOSPC ? " (the disk is full: free space in the state directory)" : "");
}

void sync_directory(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  ::fsync(dfd);
  ::close(dfd);
}

} // namespace hookd
