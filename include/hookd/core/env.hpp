#pragma once
// SPDX-License-Identifier: Apache-2.0
// Environment variables reach pure code through `env_lookup`, so tests pass a map instead of
// mutating the process environment.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hookd {

/// Returns the variable's value, or nullopt when unset. An empty value counts as unset, as the
/// AWS CLI treats `AWS_PROFILE=` (a cron line often exports empty variables).
using env_lookup = std::function<std::optional<std::string>(std::string_view)>;

env_lookup process_env();
env_lookup map_env(std::map<std::string, std::string, std::less<>> vars);

} // namespace hookd
