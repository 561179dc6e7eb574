// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/agent.hpp"
#include "hookd/agent/drain_phase.hpp"
#include "hookd/agent/pipeline.hpp"

#include "support/run_awaitable.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::agent;

namespace {

/// A phase that records that it ran, and may end the run with a result.
class recording_phase final : public phase {
public:
  recording_phase(std::string name, std::vector<std::string>& log, bool go_on, std::string result = {})
      : name_(std::move(name)), log_(log), go_on_(go_on), result_(std::move(result)) {}
  std::string_view name() const override { return name_; }
  boost::asio::awaitable<bool> run(run_context& ctx) override {
    log_.push_back("run " + name_);
    if (!result_.empty()) ctx.result = result_;
    ctx.script_env["SEEN_BY_" + name_] = "1";
    co_return go_on_;
  }

private:
  std::string name_;
  std::vector<std::string>& log_;
  bool go_on_;
  std::string result_;
};

struct pipeline_case {
  received_action r;
  action_summary sum;
  run_context ctx{r, sum, std::nullopt, "", {}, "ABANDON", {}};
  std::vector<std::string> log;
  boost::asio::awaitable<bool> run(std::span<phase* const> phases) {
    co_await run_phases(phases, ctx, [this](std::string_view name) { log.push_back("enter " + std::string(name)); });
    co_return true;
  }
};

} // namespace

TEST(pipeline, phases_run_in_order_each_announced_before_it_runs_and_see_what_earlier_ones_left) {
  pipeline_case c;
  recording_phase drain("drain", c.log, true), script("script", c.log, true, "CONTINUE");
  phase* const phases[] = {&drain, &script};
  test::run_awaitable(c.run(phases));
  EXPECT_EQ(c.log, (std::vector<std::string>{"enter drain", "run drain", "enter script", "run script"}));
  EXPECT_EQ(c.ctx.result, "CONTINUE");
  EXPECT_EQ(c.ctx.script_env.count("SEEN_BY_drain"), 1u);
}

TEST(pipeline, a_phase_that_ends_the_run_keeps_its_result_and_the_later_phases_do_not_run) {
  pipeline_case c;
  recording_phase drain("drain", c.log, false, "ABANDON"), script("script", c.log, true, "CONTINUE");
  phase* const phases[] = {&drain, &script};
  test::run_awaitable(c.run(phases));
  EXPECT_EQ(c.log, (std::vector<std::string>{"enter drain", "run drain"}));
  EXPECT_EQ(c.ctx.result, "ABANDON");
}

TEST(pipeline, a_drain_ends_by_its_timeout_the_action_s_global_timeout_and_two_thirds_of_a_spot_notice) {
  using namespace std::chrono_literals;
  const auto now = std::chrono::steady_clock::time_point{} + 1000h;
  EXPECT_EQ(drain_deadline(now, 300s, now + 48h, std::nullopt), now + 300s);
  EXPECT_EQ(drain_deadline(now, 300s, now + 100s, std::nullopt), now + 100s) << "never past the action's global timeout";
  EXPECT_EQ(drain_deadline(now, 300s, now + 48h, 120s), now + 80s) << "the script keeps a third of a Spot notice";
  EXPECT_EQ(drain_deadline(now, 30s, now + 48h, 120s), now + 30s);
  EXPECT_EQ(drain_deadline(now, 300s, now + 48h, -5s), now) << "an interruption already past leaves no drain";
}
