// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd {

outcome<void> write_file_atomic(const std::string& dir, const std::string& name, const std::string& data, unsigned mode,
                                bool durable) {
  const std::string tmp = dir + "/." + name + ".tmp";
  const std::string final_path = dir + "/" + name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return make_error(errc::io_failed, "cannot create " + tmp + ": " + std::strerror(errno));
  // Whatever fails (a full disk most often), the descriptor is closed and the half-written file
  // removed: nothing is left behind to fill the disk further or to be mistaken for an entry.
  const auto fail = [&](const char* what, int e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return make_error(errc::io_failed, write_failure(what, tmp, e));
  };
  std::size_t off = 0;
  while (off < data.size()) {
    const auto n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    off += static_cast<std::size_t>(n);
  }
  if (durable && ::fsync(fd) != 0) return fail("sync", errno);
  ::fchmod(fd, mode); // the umask must not narrow what a reader (node_exporter) needs
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return make_error(errc::io_failed, "cannot close " + tmp + ": " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return make_error(errc::io_failed, "cannot rename to " + final_path + ": " + std::strerror(e));
  }
  if (durable) sync_directory(dir); // makes the rename itself durable
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
