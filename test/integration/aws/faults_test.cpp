// SPDX-License-Identifier: Apache-2.0
// Faults survived and reported: throttling, 5xx, dead endpoints, skew, expired tokens, closed
// and cut connections, deadlines, cancellation, wrong credentials.
#include "integration/aws/clients_fixture.hpp"

namespace {

TEST_F(clients, retries_on_throttling_and_5xx_then_stop) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 2, 400, "ThrottlingException", "Rate exceeded", 0ms, false, false, std::nullopt});
  const auto before = call->attempts();
  EXPECT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(call->attempts() - before, 3u);

  emu->add_fault({"GetQueueAttributes", 3, 503, "ServiceUnavailable", "down", 0ms, false, false, std::nullopt});
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "ServiceUnavailable");
  EXPECT_EQ(call->attempts() - before, 6u) << "three attempts (AWS_MAX_ATTEMPTS default), then stop";
  EXPECT_LT(call->token_bucket().tokens(), aws::retry_token_bucket::initial_tokens);

  emu->add_fault({"GetQueueAttributes", 1, 400, "AccessDenied", "no", 0ms, false, false, std::nullopt});
  EXPECT_FALSE(run(sqs("q").get_attributes()));
  EXPECT_EQ(call->attempts() - before, 7u) << "a client error is not retried";
}

TEST_F(clients, a_dead_endpoint_spends_the_retry_budget_instead_of_multiplying_traffic) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 1000, 500, "InternalError", "boom", 0ms, false, false, std::nullopt});
  auto q = sqs("q");
  int calls_made = 0;
  while (call->token_bucket().tokens() >= aws::retry_token_bucket::retry_cost && calls_made < 200) {
    EXPECT_FALSE(run(q.get_attributes()));
    ++calls_made;
  }
  const auto attempts = call->attempts();
  auto r = run(q.get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(call->attempts() - attempts, 1u) << "no tokens left: one attempt, no retries";
  EXPECT_NE(r.error().message().find("retry budget"), std::string::npos) << r.error().message();
}

TEST_F(clients, clock_skew_is_learnt_and_corrected) {
  emu->create_queue("q");
  emu->set_clock_skew(std::chrono::minutes(20));
  auto r = run(sqs("q").get_attributes());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NEAR(double(call->clock_offset().count()), 1200.0, 5.0);
  EXPECT_EQ(emu->calls("GetQueueAttributes").front().error_code, "RequestTimeTooSkewed");
  EXPECT_TRUE(run(sqs("q").get_attributes())) << "later calls use the learnt offset at once";
  EXPECT_EQ(emu->calls("GetQueueAttributes").size(), 3u);
}

TEST_F(clients, expired_token_forces_a_credentials_refresh) {
  emu->create_queue("q");
  emu->add_key({"ASIAOLD", "old-secret", "old-token", std::chrono::system_clock::now() - 1min});
  emu->add_key({"ASIANEW", "new-secret", "new-token", std::chrono::system_clock::now() + 1h});
  struct rotating final : credentials_provider {
    int calls = 0;
    net::awaitable<outcome<credentials>> get() override {
      credentials c;
      c.access_key_id = calls == 0 ? "ASIAOLD" : "ASIANEW";
      c.secret_access_key = secret_string(calls == 0 ? "old-secret" : "new-secret");
      c.session_token = secret_string(calls == 0 ? "old-token" : "new-token");
      c.expiration = std::chrono::system_clock::now() + 6h; // we believe they are fine: AWS disagrees
      ++calls;
      co_return c;
    }
    std::string name() const override { return "rotating"; }
  };
  rebuild(std::make_unique<rotating>());
  auto r = run(sqs("q").get_attributes());
  ASSERT_TRUE(r) << r.error().message();
  const auto rec = emu->calls("GetQueueAttributes");
  ASSERT_EQ(rec.size(), 2u);
  EXPECT_EQ(rec[0].error_code, "ExpiredToken");
  EXPECT_EQ(rec[1].access_key_id, "ASIANEW");
}

TEST_F(clients, keep_alive_is_reused_and_a_closed_connection_is_survived) {
  emu->create_queue("q");
  auto q = sqs("q");
  ASSERT_TRUE(run(q.get_attributes()));
  ASSERT_TRUE(run(q.get_attributes()));
  EXPECT_EQ(http_client->connections_opened(), 1u);
  emu->add_fault({"GetQueueAttributes", 1, 0, "", "", 0ms, false, /*close_after=*/true, std::nullopt});
  ASSERT_TRUE(run(q.get_attributes()));
  const auto attempts = call->attempts();
  ASSERT_TRUE(run(q.get_attributes())) << "the pooled connection was dead: retried on a fresh one";
  EXPECT_EQ(call->attempts() - attempts, 1u) << "the stale retry is the transport's, not an AWS-level retry";
  EXPECT_EQ(http_client->connections_opened(), 2u);
  EXPECT_EQ(http_client->sessions_resumed(), 1u) << "the second connection resumed the first one's TLS session";
}

TEST_F(clients, a_response_cut_mid_body_is_retried) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 1, 0, "", "", 0ms, /*drop=*/true, false, std::nullopt});
  auto r = run(sqs("q").get_attributes());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(emu->calls("GetQueueAttributes").size(), 2u);
}

TEST_F(clients, deadlines_bound_every_exchange) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 3, 0, "", "", 1500ms, false, false, std::nullopt});
  aws_request req;
  req.svc = service::sqs;
  req.operation = "GetQueueAttributes";
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS.GetQueueAttributes"}};
  req.body = R"({"QueueUrl":")" + emu->queue_url("q") + R"("})";
  req.timeout = 100ms;
  auto r = run(call->call(endpoint(service::sqs), req));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::timeout));
  EXPECT_NE(r.error().message().find("timed out"), std::string::npos) << r.error().message();
}

TEST_F(clients, a_cancelled_call_ends_at_once_as_cancelled_and_is_not_retried) {
  // The agent cancels a heartbeat or visibility request when the script ends; the caller must
  // neither retry it nor wait for the answer, however it was told to treat cancellation.
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 1, 0, "", "", 2000ms, false, false, std::nullopt});
  auto q = sqs("q");
  net::cancellation_signal stop;
  net::steady_timer soon(ioc, 50ms);
  soon.async_wait([&](auto) { stop.emit(net::cancellation_type::terminal); });
  const auto before = call->attempts();
  const auto start = std::chrono::steady_clock::now();
  auto cancelled_call = [&]() -> net::awaitable<outcome<std::map<std::string, std::string>>> {
    co_return co_await net::co_spawn(co_await net::this_coro::executor, q.get_attributes(),
                                     net::bind_cancellation_slot(stop.slot(), net::use_awaitable));
  };
  auto r = run(cancelled_call());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::cancelled)) << r.error().message();
  EXPECT_NE(r.error().message().find("GetQueueAttributes"), std::string::npos) << r.error().message();
  EXPECT_EQ(call->attempts() - before, 1u) << "not retried";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms) << "the 2 s answer was not awaited";
  EXPECT_TRUE(run(q.get_attributes())) << "the next call opens a fresh connection and succeeds";
}

TEST_F(clients, a_wrong_secret_key_surfaces_signature_does_not_match) {
  emu->create_queue("q");
  vars["AWS_SECRET_ACCESS_KEY"] = "definitely-not-the-secret";
  rebuild();
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "SignatureDoesNotMatch");
  const auto m = r.error().message();
  EXPECT_NE(m.find("SQS GetQueueAttributes at " + emu->url()), std::string::npos) << m;
  EXPECT_NE(m.find("signature we calculated does not match"), std::string::npos) << m;
  EXPECT_EQ(m.find("definitely-not-the-secret"), std::string::npos) << "the secret never appears";
  EXPECT_EQ(emu->calls("GetQueueAttributes").size(), 1u) << "not retried";
}

TEST_F(clients, an_unknown_key_is_invalid_client_token_id) {
  emu->create_queue("q");
  vars["AWS_ACCESS_KEY_ID"] = "AKIDUNKNOWN";
  rebuild();
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "InvalidClientTokenId");
}

} // namespace
