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

outcome<std::string> make_private_temp_dir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    return make_error(errc::io_failed, "cannot create a private directory " + pattern + ": " + std::strerror(errno));
  return pattern;
}

} // namespace hookd
