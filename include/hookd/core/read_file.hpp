#pragma once
// SPDX-License-Identifier: Apache-2.0
// A whole small file as a string: settings, credentials, the journal's entries, /etc/hosts.
#include <optional>
#include <string>

namespace hookd {

/// The file's bytes, or nullopt when it cannot be opened (errno says why, for the caller's message).
std::optional<std::string> read_whole_file(const std::string& path);

} // namespace hookd
