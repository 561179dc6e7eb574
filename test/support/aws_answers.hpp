#pragma once
// SPDX-License-Identifier: Apache-2.0
// An error as hookd's AWS layer makes it from an answer: status, AWS code and message.
#include "hookd/core/error.hpp"

#include <string>

namespace hookd::test {

inline error aws_answer(unsigned status, std::string code, const std::string& message) {
  error e = make_error(errc::service_error, "Auto Scaling RecordLifecycleActionHeartbeat: AWS error " + code + " (HTTP " +
                                                std::to_string(status) + "): " + message);
  e.aws_code = std::move(code);
  e.http_status = status;
  return e;
}

} // namespace hookd::test
