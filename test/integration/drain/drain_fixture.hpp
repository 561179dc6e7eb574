#pragma once
// SPDX-License-Identifier: Apache-2.0
// The drains and their clients against the emulator over TLS, with millisecond polls: an
// emulated deregistration delay or task stop is a few hundred milliseconds, never a real minute.
#include "hookd/drain/drains.hpp"
#include "hookd/drain/ecs_drain.hpp"
#include "hookd/drain/elbv2_drain.hpp"
#include "support/emulator_fixture.hpp"

#include <algorithm>

namespace hookd::test {

class drains : public emulator_fixture {
protected:
  std::unique_ptr<aws::elbv2_client> elb;
  std::unique_ptr<aws::ecs_client> ecs;
  logger log{log_level::error, false};

  void SetUp() override {
    emulator_fixture::SetUp();
    elb = std::make_unique<aws::elbv2_client>(*call, endpoint(aws::service::elbv2));
    ecs = std::make_unique<aws::ecs_client>(*call, endpoint(aws::service::ecs));
  }
  void TearDown() override {
    elb.reset();
    ecs.reset();
    emulator_fixture::TearDown();
  }

  static drain::poll_timing fast() { return {std::chrono::milliseconds(20), std::chrono::milliseconds(50)}; }
  static std::chrono::steady_clock::time_point in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

  drain::elbv2_request elbv2_req(std::chrono::milliseconds budget = std::chrono::seconds(10)) {
    return {"i-self", {"10.0.0.5"}, {}, in(budget), fast()};
  }
  drain::ecs_request ecs_req(std::chrono::milliseconds budget = std::chrono::seconds(10)) {
    return {"i-self", "web", in(budget), fast()};
  }

  /// The next `count` calls of `operation` answered with `status` and `code`.
  void fail_next(const std::string& operation, int count, unsigned status, const std::string& code) {
    emulator::fault f;
    f.operation = operation;
    f.count = count;
    f.status = status;
    f.code = code;
    f.message = "Rate exceeded";
    emu->add_fault(f);
  }

  /// The calls of `operation` the emulator answered with `code`.
  std::size_t answered(const std::string& operation, const std::string& code) const {
    auto c = emu->calls(operation);
    return static_cast<std::size_t>(std::count_if(c.begin(), c.end(), [&](const emulator::recorded_call& r) {
      return r.error_code == code;
    }));
  }
};

} // namespace hookd::test

using namespace hookd;
using namespace std::chrono_literals;
using hookd::test::drains;
namespace net = boost::asio;
