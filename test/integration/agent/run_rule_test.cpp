// SPDX-License-Identifier: Apache-2.0
// The runner's "one run per transition" rule under forged messages, in process: an action nobody
// confirmed changes no run, so it can neither run the script a second time nor swallow a real one.
#include "agent_fixture.hpp"

#include "support/harness.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <filesystem>

using namespace hookd;
using namespace std::chrono_literals;
using test::agent_e2e;

namespace {

std::string message(const std::string& token, const std::string& hook) {
  return boost::json::serialize(boost::json::object{{"LifecycleActionToken", token}, {"AutoScalingGroupName", "asg"},
                                                    {"LifecycleHookName", hook}, {"EC2InstanceId", "i-self"},
                                                    {"LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"}});
}

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

TEST_F(agent_e2e, a_forged_message_for_a_finished_hook_does_not_make_the_second_hook_run_the_script_again) {
  // Two hooks on the termination; the second one's message is held back and sent by hand.
  emulator::hook_spec logs;
  logs.group = "asg";
  logs.name = "logs";
  logs.heartbeat_timeout = 30;
  emu->put_hook(logs);
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
