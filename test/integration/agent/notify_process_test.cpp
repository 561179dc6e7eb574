// SPDX-License-Identifier: Apache-2.0
// The real hookd under systemd's notify protocol and with a webhook: the socket (a path, or an
// abstract name) hears READY, STATUS, WATCHDOG and STOPPING in order; a webhook that fails, then
// hangs, then works gets each event once, in order, while the action's heartbeats keep time,
// and no secret reaches the log.
#include "process_fixture.hpp"
#include "support/notify_socket.hpp"
#include "support/webhook_server.hpp"

#include <boost/json.hpp>

#include <set>

using namespace hookd;
using namespace std::chrono_literals;

namespace {
using test::hookd_process;

class notify_process : public hookd_process {
protected:
  void systemd_hears_each_phase(bool abstract) {
    write_script("#!/bin/sh\nsleep 0.3\n");
    const auto token = emu->terminate_instance("asg", "i-self").at(0);
    test::notify_socket sock(ioc.get_executor(), dir, abstract);
    auto c = hookd_cmd({});
    c.env.push_back("NOTIFY_SOCKET=" + sock.name());
    c.env.push_back("WATCHDOG_USEC=100000"); // a ping every 50 ms
    // SIGTERM once the action is done and a ping has come after it.
    when([&] {
      sock.collect_now();
      const auto a = emu->action(token);
      const auto idle = sock.first("STATUS=idle");
      return a && !a->active && idle >= 0 && sock.first("WATCHDOG=1", idle) >= 0 && hookd_pid() > 0;
    }, [&] { ::kill(hookd_pid(), SIGTERM); });
    auto r = run(start(c), 60s);
    sock.collect_now();
    EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << all_output();
    const auto ready = sock.first("READY=1");
    const auto status = sock.first("STATUS=script running", ready);
    const auto ping = sock.first("WATCHDOG=1", status);
    const auto stopping = sock.first("STOPPING=1", ping);
    EXPECT_GE(ready, 0);
    EXPECT_GT(status, ready) << "STATUS with the script's phase after READY";
    EXPECT_GT(ping, status);
    EXPECT_GT(stopping, ping) << "STOPPING=1 on SIGTERM";
    EXPECT_GE(sock.first("STATUS=terminate action for hook drain", ready), 0);
    EXPECT_EQ(sock.first("READY=1", ready + 1), -1) << "READY=1 once";
  }
};

TEST_F(notify_process, systemd_hears_ready_status_watchdog_and_stopping_in_order_on_a_path_socket) {
  systemd_hears_each_phase(false);
}

TEST_F(notify_process, systemd_hears_ready_status_watchdog_and_stopping_in_order_on_an_abstract_socket) {
  systemd_hears_each_phase(true);
}

TEST_F(notify_process, without_notify_socket_a_watchdog_variable_alone_sends_nothing_and_changes_nothing) {
  write_script("#!/bin/sh\n");
  emu->terminate_instance("asg", "i-self");
  auto c = hookd_cmd();
  c.env.push_back("WATCHDOG_USEC=100000");
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << all_output();
  EXPECT_FALSE(said("sd-notify"));
}

TEST_F(notify_process, a_webhook_that_fails_then_hangs_then_works_gets_each_event_once_in_order) {
  // The first request gets a 500, the second hangs (past --notify-timeout, 1 s), the rest 200.
  test::webhook_server hook(ioc.get_executor(), {500, test::webhook_server::hang});
  write_script("#!/bin/sh\nsleep 2\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto c = hookd_cmd();
  c.env.push_back("HOOKD_NOTIFY_URL=" + hook.url("/services/T0/B0/PATHSECRET?sig=QUERYSECRET"));
  c.env.push_back("HOOKD_NOTIFY_HEADER=Authorization: Bearer HEADERSECRET");
  c.env.push_back("HOOKD_NOTIFY_TIMEOUT=1s");
  c.env.push_back("HOOKD_LOG_LEVEL=debug"); // even debug lines keep the secrets out
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << all_output();
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");

  std::vector<std::string> events, ids;
  for (const auto& body : hook.accepted()) {
    const auto doc = boost::json::parse(body).as_object();
    events.emplace_back(doc.at("event").as_string());
    ids.emplace_back(doc.at("id").as_string());
    EXPECT_FALSE(doc.at("text").as_string().empty());
  }
  EXPECT_EQ(events, (std::vector<std::string>{"action_received", "action_confirmed", "script_started", "script_finished",
                                              "action_completed"}))
      << all_output();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "each event accepted once";
  ASSERT_GE(hook.requests().size(), 3u);
  EXPECT_EQ(hook.requests()[0].body, hook.requests()[2].body) << "the failed and hung delivery is retried as it was";
  for (const auto& req : hook.requests()) {
    EXPECT_EQ(req.target, "/services/T0/B0/PATHSECRET?sig=QUERYSECRET");
    EXPECT_EQ(req.authorization, "Bearer HEADERSECRET");
  }
  // The hang (1 s) and the retries' pauses never held up a heartbeat (every 100 ms): a bound on
  // hanging only, far above a loaded machine's timer lateness and below the hang.
  const auto beats = emu->calls("RecordLifecycleActionHeartbeat");
  ASSERT_GE(beats.size(), 3u);
  for (std::size_t i = 2; i < beats.size(); ++i)
    EXPECT_LT(beats[i].received - beats[i - 1].received, 900ms) << "heartbeat " << i;
  const auto log = all_output();
  for (const char* secret : {"PATHSECRET", "QUERYSECRET", "HEADERSECRET", test::test_secret})
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " reached the log:\n" << log;
  EXPECT_TRUE(said("notify-retry")) << "the retries are logged, by origin";
}

TEST_F(notify_process, check_reports_the_watchdog_and_sends_one_test_notification_only_when_asked) {
  test::webhook_server hook(ioc.get_executor(), {});
  const auto topic = emu->create_topic("hookd-events");
  const auto denied = emu->create_topic("locked", true);
  write_script("#!/bin/sh\n");
  auto c = hookd_cmd({"check"});
  c.env.push_back("HOOKD_SCRIPT_TIMEOUT=10m");
  c.env.push_back("HOOKD_NOTIFY_URL=" + hook.url("/hook/SECRET"));
  c.env.push_back("HOOKD_NOTIFY_SNS_TOPIC=" + topic);
  c.env.push_back("WATCHDOG_USEC=30000000");
  auto dry = run(start(c), 30s);
  EXPECT_EQ(dry.exit_code, 0) << all_output();
  EXPECT_TRUE(said("watchdog")) << all_output();
  EXPECT_TRUE(said("add --check-notify"));
  EXPECT_TRUE(hook.requests().empty()) << "nothing is sent without --check-notify";
  EXPECT_TRUE(emu->published(topic).empty());

  output.clear();
  c.args.push_back("--check-notify");
  auto sent = run(start(c), 30s);
  EXPECT_EQ(sent.exit_code, 0) << all_output();
  ASSERT_EQ(hook.requests().size(), 1u);
  EXPECT_NE(hook.requests()[0].body.find("\"event\":\"test\""), std::string::npos);
  EXPECT_EQ(emu->published(topic).size(), 1u);
  EXPECT_FALSE(said("SECRET"));

  output.clear();
  std::erase_if(c.env, [](const std::string& e) { return e.rfind("HOOKD_NOTIFY_SNS_TOPIC=", 0) == 0; });
  c.env.push_back("HOOKD_NOTIFY_SNS_TOPIC=" + denied);
  auto refused = run(start(c), 30s);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(said("FAIL  notify-sns-topic")) << all_output();
  EXPECT_TRUE(said("allow sns:Publish"));
}

} // namespace
