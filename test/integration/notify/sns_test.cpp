// SPDX-License-Identifier: Apache-2.0
// SNS Publish against the emulator: signed by our signer (the emulator verifies it, scoped to
// "sns"), at AWS_ENDPOINT_URL_SNS, and the notifier's documents through it.
#include "hookd/aws/sns.hpp"
#include "hookd/notify/notifier.hpp"
#include "support/emulator_fixture.hpp"

#include <boost/json.hpp>

using namespace hookd;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class sns_test : public test::emulator_fixture {
protected:
  void SetUp() override {
    emulator_fixture::SetUp();
    // Only the SNS variable points at the emulator: the generic one would fail the test.
    vars["AWS_ENDPOINT_URL_SNS"] = emu->url();
    vars["AWS_ENDPOINT_URL"] = "https://127.0.0.1:1";
    rebuild();
  }
};

TEST_F(sns_test, publish_is_signed_for_sns_at_aws_endpoint_url_sns) {
  const auto topic = emu->create_topic("hookd-events");
  const auto ep = endpoint(aws::service::sns);
  EXPECT_EQ(ep.source, "AWS_ENDPOINT_URL_SNS");
  aws::sns_client sns(*call, ep);
  auto id = run(sns.publish(topic, "{\"text\":\"hello\"}", "hookd: test", 5s));
  ASSERT_TRUE(id) << id.error().message();
  const auto got = emu->published(topic);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, *id);
  EXPECT_EQ(got[0].message, "{\"text\":\"hello\"}");
  EXPECT_EQ(got[0].subject, "hookd: test");
  const auto calls = emu->calls("Publish");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].service, "sns");
  EXPECT_EQ(calls[0].access_key_id, test::test_key_id) << "the emulator verified the signature";
}

TEST_F(sns_test, a_denied_or_missing_topic_is_an_error_naming_the_code) {
  const auto denied = emu->create_topic("locked", true);
  aws::sns_client sns(*call, endpoint(aws::service::sns));
  auto r = run(sns.publish(denied, "x", "", 5s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "AuthorizationError");
  EXPECT_EQ(r.error().http_status, 403u);
  auto missing = run(sns.publish("arn:aws:sns:us-east-1:123456789012:nope", "x", "", 5s));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().aws_code, "NotFound");
  EXPECT_TRUE(emu->published(denied).empty());
}

TEST_F(sns_test, the_notifier_publishes_each_event_s_document_in_order) {
  const auto topic = emu->create_topic("hookd-events");
  aws::sns_client sns(*call, endpoint(aws::service::sns));
  logger log(log_level::error, false);
  notify::notifier n(ioc.get_executor(), log, "i-self-1");
  n.add(notify::sns_topic(sns, topic, 5s));
  n.start();
  agent::event e;
  e.instance = "i-self";
  e.hook = "drain";
  for (auto k : {agent::event_kind::action_received, agent::event_kind::idle, agent::event_kind::action_completed}) {
    e.kind = k;
    n.emit(e);
  }
  run([&]() -> boost::asio::awaitable<bool> {
    co_await n.close(10s);
    co_return true;
  }());
  const auto got = emu->published(topic);
  ASSERT_EQ(got.size(), 2u) << "idle is a phase for systemd, not a notification";
  EXPECT_EQ(json::parse(got[0].message).at("event").as_string(), "action_received");
  EXPECT_EQ(json::parse(got[1].message).at("event").as_string(), "action_completed");
  EXPECT_EQ(got[1].subject, "hookd: action_completed on i-self (hook drain)");
  EXPECT_EQ(n.counts().at("delivered"), 2u);
}

} // namespace
