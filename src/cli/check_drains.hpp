#pragma once
// SPDX-License-Identifier: Apache-2.0
// Internal to src/cli: `hookd check`'s lines for the enabled drains. Each makes one real,
// read-only Describe call that its drain needs, so a policy missing the permission shows here,
// not at the first scale-in. (DeregisterTargets and UpdateContainerInstancesState change state,
// so they are named, not tried.)
#include "hookd/cli/stack.hpp"
#include "hookd/config/config.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>

namespace hookd::cli {

using check_line = std::function<void(bool ok, const std::string& what, const std::string& detail)>;

/// `st` is finished (its caller built, instance id known).
boost::asio::awaitable<void> check_drains(const aws_stack& st, const config::settings& s, const check_line& line);

} // namespace hookd::cli
