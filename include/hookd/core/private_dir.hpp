#pragma once
// SPDX-License-Identifier: Apache-2.0
// The directories hookd writes scripts into and executes them from must be its own: a directory
// another user can write to (or swap for a link) lets that user replace a script that runs as root.
#include "hookd/core/error.hpp"

#include <string>

namespace hookd {

/// Creates `path` (mode 0700) when missing, then checks it is a real directory (not a symbolic
/// link), owned by the effective user and not writable by group or others. The error says how to
/// fix it.
outcome<void> ensure_private_dir(const std::string& path);

/// Checks a directory hookd writes an output file into but does not own (--metrics-file's): it
/// must exist, and must not be writable by group or others unless it has the sticky bit. `setting`
/// names the option in the error ("--metrics-file").
outcome<void> check_output_dir(const std::string& path, const std::string& setting);

/// A fresh private directory under $TMPDIR (or /tmp), made by mkdtemp: never a shared fixed name.
outcome<std::string> make_private_temp_dir(const std::string& prefix);

} // namespace hookd
