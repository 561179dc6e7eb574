// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/private_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd {

outcome<void> ensure_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(errc::io_failed, "cannot create directory " + path + ": " + std::strerror(errno) +
                                           "; set --state-dir to a directory hookd can create");
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return make_error(errc::io_failed, "cannot inspect " + path + ": " + std::strerror(errno));
  const auto fix = "; fix it with: chown " + std::to_string(::geteuid()) + " " + path + " && chmod 700 " + path;
  if (S_ISLNK(st.st_mode))
    return make_error(errc::invalid_input, path + " is a symbolic link: hookd writes and runs scripts only in a real "
                                                  "directory of its own; replace the link with a directory" + fix);
  if (!S_ISDIR(st.st_mode)) return make_error(errc::invalid_input, path + " is not a directory");
  if (st.st_uid != ::geteuid())
    return make_error(errc::invalid_input, path + " is owned by uid " + std::to_string(st.st_uid) +
                                               ", not by the user hookd runs as (uid " + std::to_string(::geteuid()) +
                                               "): another user could swap the scripts it runs" + fix);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return make_error(errc::invalid_input, path + " is writable by group or others: another user could swap the "
                                                  "scripts it runs" + fix);
  return {};
}

outcome<void> check_output_dir(const std::string& path, const std::string& setting) {
  struct stat st {};
  // stat, not lstat: a link to a directory (/var/lib/node_exporter -> /srv/...) is fine; what
  // matters is who can write into the directory the file lands in.
  if (::stat(path.c_str(), &st) != 0)
    return make_error(errc::io_failed, setting + "'s directory " + path + " cannot be used: " + std::strerror(errno) +
                                           "; create it or point " + setting + " elsewhere");
  if (!S_ISDIR(st.st_mode)) return make_error(errc::invalid_input, setting + "'s directory " + path + " is not a directory");
  // Another user who can create and remove names here could swap the file or plant links at
  // the names hookd writes. The sticky bit (/tmp) stops them removing or renaming hookd's own
  // files, and the temporary file is created exclusively and never followed, so that is safe.
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
    return make_error(errc::invalid_input, setting + "'s directory " + path +
                                               " is writable by group or others without the sticky bit: another user "
                                               "could replace what hookd writes there; fix it with: chmod go-w " + path +
                                               " (or chmod +t), or point " + setting + " at a directory only hookd's user writes");
  return {};
}

outcome<std::string> make_private_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    return make_error(errc::io_failed, "cannot create a private directory " + pattern + ": " + std::strerror(errno));
  return pattern;
}

} // namespace hookd
