#pragma once
// SPDX-License-Identifier: Apache-2.0
// A file replaced whole or not at all: written beside its final name as ".NAME.tmp", then renamed.
// A reader (hookd after a crash, `hookd status`, node_exporter) never sees half of it.
#include "hookd/core/error.hpp"

#include <string>

namespace hookd {

/// Writes DIR/NAME with `mode`. `durable`: fsync the file and the directory too (the journal),
/// so the new content survives a power loss, not only a crash of hookd. Safe in a directory
/// others can write to if it is sticky: whatever is at ".NAME.tmp" (a link, a FIFO, a device) is
/// removed, never opened or followed, and NAME is replaced by rename, never opened. Synchronous:
/// call it off the loop (the journal's pool, report_writer).
outcome<void> write_file_atomic(const std::string& dir, const std::string& name, const std::string& data, unsigned mode,
                                bool durable);

/// "cannot WHAT PATH: <strerror(e)>", with what to do when the disk is full: one wording for every
/// file hookd writes into its state directory.
std::string write_failure(const char* what, const std::string& path, int e);

/// fsync of a directory: makes the creations, renames and removals in it durable (best effort).
void sync_directory(const std::string& dir);

} // namespace hookd
