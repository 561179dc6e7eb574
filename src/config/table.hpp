#pragma once
// SPDX-License-Identifier: Apache-2.0
// Internal to src/config: one row per setting (flag, variable, argument, help, how to apply it).
// Each area of hookd keeps its rows in a file of its own; table() joins them in --help order.
#include "hookd/config/config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hookd::config {

using setter = std::function<std::optional<std::string>(settings&, const std::string&)>; // error text or nullopt

struct setting {
  std::string flag;  ///< "--queue-url"
  std::string var;   ///< "HOOKD_QUEUE_URL"
  std::string arg;   ///< "URL" (empty: a switch)
  std::string help;
  setter apply;
  /// May be given more than once: the values one source gives (repeated flags, repeated file
  /// lines) are joined with newlines and applied once, so a higher source still replaces a lower.
  bool repeatable = false;
};

std::optional<std::string> set_duration(std::chrono::milliseconds& out, const std::string& v);
std::optional<std::string> set_result(std::string& out, const std::string& v);
std::optional<std::string> set_bool(bool& out, const std::string& v);
std::optional<std::string> set_script(std::string& out, const std::string& v);
std::optional<std::string> set_notice(notice_action& out, const std::string& v);
std::optional<std::string> set_triggers(settings& s, const std::string& v);
std::optional<std::string> set_int(int& out, const std::string& v, int lo, int hi, const std::string& what);

/// The rows of each area (one file each), and all of them joined.
const std::vector<setting>& general_settings();
const std::vector<setting>& notify_settings_rows();
const std::vector<setting>& drain_settings();
const std::vector<setting>& ready_settings();
const std::vector<setting>& table();

} // namespace hookd::config
