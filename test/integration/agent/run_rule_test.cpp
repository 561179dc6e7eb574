// SPDX-License-Identifier: Apache-2.0
// The runner's "one run per transition" rule under forged messages, in process: an action nobody
// confirmed changes no run, so it can neither run the script a second time nor swallow a real one.
#include "agent_fixture.hpp"

#include "support/harness.hpp"
#include "support/messages.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <filesystem>

using namespace hookd;
using namespace std::chrono_literals;
using test::agent_e2e;

namespace {

std::string message(const std::string& token, const std::string& hook) { return test::lifecycle_message(token, hook); }

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

TEST_F(agent_e2e, a_forged_message_for_a_finished_hook_does_not_make_the_second_hook_run_the_script_again) {
  // Two hooks on the termination; the second one's message is held back and sent by hand.
  put_hook("logs"); // notifies no queue
  s.once = false;
  s.confirm_window = 200ms;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\necho \"$HOOKD_HOOK\" >> " + ran + "\n");
  const auto tokens = emu->terminate_instance("asg", "i-self");
  ASSERT_EQ(tokens.size(), 2u);
  const auto& logs_token = emu->actions().at(1).hook == "logs" ? tokens[1] : tokens[0];
  auto done = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (!logged("action-done")) co_await test::pause(10ms);
      // The same hook again, with an invented token: a new transition if it were real.
      emu->send_message("hooks", message("forged-after-the-run", "drain"));
      while (!logged("action-unconfirmed")) co_await test::pause(10ms);
      emu->send_message("hooks", message(logs_token, "logs"));
      while (!emu->action(logs_token) || emu->action(logs_token)->active) co_await test::pause(10ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_EQ(lines_in(ran), 1u) << "the script ran again for the second hook";
  ASSERT_TRUE(emu->action(logs_token));
  EXPECT_EQ(emu->action(logs_token)->result, "CONTINUE");
  EXPECT_TRUE(logged("action-attached")) << "the second hook waits on the transition's run";
}

TEST_F(agent_e2e, a_forged_message_in_the_instance_key_format_is_confirmed_like_any_other_and_runs_nothing) {
  s.once = false;
  s.confirm_window = 200ms;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\ntouch " + ran + "\n");
  for (const auto* t : {"instance:i-self:terminate", "instance:i-self:terminate:Terminated"})
    emu->send_message("hooks", message(t, "drain"));
  auto done = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->queue_depth("hooks") > 0) co_await test::pause(10ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_FALSE(std::filesystem::exists(ran)) << "a message in hookd's own key format ran the script";
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(calls_for_token("RecordLifecycleActionHeartbeat", "instance:i-self:terminate").size() > 0, true)
      << "its token was asked about, like any other";
}

} // namespace

namespace {

TEST_F(agent_e2e, a_hook_created_after_start_up_has_its_message_decided_again_not_put_back_for_hours) {
  s.once = false;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\necho \"$HOOKD_HOOK\" >> " + ran + "\n");
  std::vector<std::string> tokens;
  auto done = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->calls("ReceiveMessage").empty()) co_await test::pause(10ms);
      put_hook("late", "hooks"); // created seconds after hookd read the group's hooks
      tokens = emu->terminate_instance("asg", "i-self");
      while (!logged("hooks-refreshed")) co_await test::pause(10ms);
      emu->advance(7s); // the receive's short hold, over
      const auto all_done = [&] {
        return std::all_of(tokens.begin(), tokens.end(), [&](const auto& t) { return emu->action(t) && !emu->action(t)->active; });
      };
      while (!all_done()) co_await test::pause(10ms);
      a.stop();
    }, boost::asio::detached);
  });
  ASSERT_EQ(tokens.size(), 2u);
  for (const auto& t : tokens) EXPECT_EQ(emu->action(t)->result, "CONTINUE") << emu->action(t)->hook;
  EXPECT_EQ(lines_in(ran), 1u) << "one run for the transition, both hooks completed with it";
  EXPECT_FALSE(logged("unknown-hook")) << "put back for hours";
}

} // namespace
