// SPDX-License-Identifier: Apache-2.0
// Every client against the emulator over TLS: what the wire carries, what the emulator recorded,
// and how faults are survived.
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include "support/emulator_fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <sys/stat.h>

using namespace hookd;
using namespace hookd::aws;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {

class clients : public test::emulator_fixture {
protected:
  sqs_client sqs(const std::string& queue) { return sqs_client(*call, endpoint(service::sqs), emu->queue_url(queue)); }
  autoscaling_client asg() { return autoscaling_client(*call, endpoint(service::autoscaling)); }
};

TEST_F(clients, sqs_receive_change_visibility_and_delete) {
  emu->create_queue("q");
  for (int i = 0; i < 3; ++i) emu->send_message("q", "body-" + std::to_string(i));
  auto q = sqs("q");
  auto got = run(q.receive(10, 0));
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].body, "body-0");
  EXPECT_EQ((*got)[0].receive_count, 1);
  EXPECT_TRUE((*got)[0].sent.has_value());

  std::vector<sqs_batch_entry> vis, del;
  for (std::size_t i = 0; i < got->size(); ++i) {
    vis.push_back({"e" + std::to_string(i), (*got)[i].receipt_handle, 0});
    del.push_back({"e" + std::to_string(i), (*got)[i].receipt_handle, 0});
  }
  vis.push_back({"bad", "not-a-handle", 0});
  auto changed = run(q.change_visibility_batch(vis));
  ASSERT_TRUE(changed) << changed.error().message();
  EXPECT_EQ(changed->succeeded.size(), 3u);
  ASSERT_EQ(changed->failed.size(), 1u);
  EXPECT_EQ(changed->failed[0].code, "ReceiptHandleIsInvalid");

  // Released with visibility 0, they come back at once with a new handle and a higher count.
  auto again = run(q.receive(10, 0));
  ASSERT_TRUE(again && again->size() == 3u);
  EXPECT_EQ((*again)[0].receive_count, 2);
  auto stale = run(q.delete_batch(del));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->failed.size(), 3u) << "old receipt handles no longer delete";
  EXPECT_TRUE(run(q.delete_message((*again)[0].receipt_handle)));
  std::vector<sqs_batch_entry> rest{{"a", (*again)[1].receipt_handle, 0}, {"b", (*again)[2].receipt_handle, 0}};
  auto deleted = run(q.delete_batch(rest));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->succeeded.size(), 2u);
  EXPECT_EQ(emu->queue_depth("q"), 0u);

  auto attrs = run(q.get_attributes());
  ASSERT_TRUE(attrs);
  EXPECT_EQ(attrs->at("QueueArn"), emu->queue_arn("q"));
  EXPECT_EQ(emu->calls("ReceiveMessage").size(), 2u);
}

TEST_F(clients, sqs_errors_are_readable_and_batches_are_validated) {
  emu->create_queue("q");
  auto missing = sqs_client(*call, endpoint(service::sqs), emu->queue_url("nope"));
  auto r = run(missing.receive(1, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "QueueDoesNotExist");
  EXPECT_NE(r.error().message().find("SQS ReceiveMessage"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("request id"), std::string::npos) << r.error().message();
  auto q = sqs("q");
  std::vector<sqs_batch_entry> dup{{"x", "h1", 0}, {"x", "h2", 0}};
  auto d = run(q.delete_batch(dup));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().aws_code, "BatchEntryIdsNotDistinct");
  auto none = run(q.delete_batch({}));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().aws_code, "EmptyBatchRequest");
}

TEST_F(clients, long_poll_wakes_when_a_message_arrives) {
  emu->create_queue("q");
  net::steady_timer later(ioc, 50ms);
  later.async_wait([&](auto) { emu->send_message("q", "late"); });
  const auto start = std::chrono::steady_clock::now();
  auto got = run(sqs("q").receive(10, 20));
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].body, "late");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 15s) << "woke up, did not sit out the 20 s wait";
}

TEST_F(clients, a_released_message_wakes_a_waiting_long_poll_and_many_polls_can_wait) {
  // Two hundred agents' long polls wait at once; a release (visibility 0) hands the message to one
  // of them at once, as SQS does.
  emu->create_queue("q");
  emu->send_message("q", "m");
  auto first = run(sqs("q").receive(10, 0, 30));
  ASSERT_TRUE(first && first->size() == 1u);
  std::vector<std::optional<outcome<std::vector<sqs_message>>>> waiting(200);
  std::vector<sqs_client> clients_;
  for (int i = 0; i < 200; ++i) clients_.push_back(sqs("q"));
  for (int i = 0; i < 200; ++i)
    net::co_spawn(ioc, clients_[static_cast<std::size_t>(i)].receive(10, 3), [&, i](std::exception_ptr, auto r) {
      waiting[static_cast<std::size_t>(i)] = std::move(r);
      if (std::all_of(waiting.begin(), waiting.end(), [](const auto& w) { return w.has_value(); })) ioc.stop();
    });
  net::steady_timer later(ioc, 300ms);
  later.async_wait([&](auto) {
    net::co_spawn(ioc, sqs("q").change_visibility((*first)[0].receipt_handle, 0), net::detached);
  });
  const auto start = std::chrono::steady_clock::now();
  ioc.restart();
  ioc.run_for(10s);
  int got_it = 0;
  for (auto& w : waiting) {
    ASSERT_TRUE(w && *w) << "every long poll answers";
    got_it += static_cast<int>((*w)->size());
  }
  EXPECT_EQ(got_it, 1) << "exactly one waiting poll gets the released message";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s) << "the polls answered (3 s waits), none hung";
}

TEST_F(clients, at_the_in_flight_limit_a_receive_returns_nothing) {
  emu->create_queue("q");
  emu->set_inflight_limit("q", 2);
  for (int i = 0; i < 5; ++i) emu->send_message("q", "m" + std::to_string(i));
  auto a = run(sqs("q").receive(10, 0));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 2u) << "no more in flight than the limit";
  auto b = run(sqs("q").receive(10, 0));
  ASSERT_TRUE(b) << "silently nothing, as SQS does, not an error";
  EXPECT_TRUE(b->empty());
}

TEST_F(clients, auto_scaling_throttles_past_the_account_budget) {
  hook_scenario();
  emu->set_autoscaling_rate(1, 2);
  for (int i = 0; i < 6; ++i) (void)run(asg().describe_lifecycle_hooks("asg"));
  EXPECT_GT(emu->autoscaling_throttled(), 0) << "six calls in a moment against a budget of two, one a second";
  bool rate_exceeded = false;
  for (const auto& c : emu->calls("DescribeLifecycleHooks")) rate_exceeded = rate_exceeded || c.error_code == "Throttling";
  EXPECT_TRUE(rate_exceeded);
}

TEST_F(clients, autoscaling_hook_lifecycle_heartbeat_and_completion) {
  emu->create_queue("hooks");
  emu->create_group("asg", {"i-self", "i-other"});
  lifecycle_hook h;
  h.group = "asg";
  h.name = "drain";
  h.transition = "autoscaling:EC2_INSTANCE_TERMINATING";
  h.notification_target = emu->queue_arn("hooks");
  h.heartbeat_timeout = 60;
  h.default_result = "ABANDON";
  ASSERT_TRUE(run(asg().put_lifecycle_hook(h)));
  EXPECT_EQ(emu->queue_depth("hooks"), 1u) << "a new hook posts autoscaling:TEST_NOTIFICATION";
  ASSERT_TRUE(run(asg().put_lifecycle_hook(h))) << "idempotent";
  EXPECT_EQ(emu->queue_depth("hooks"), 1u) << "an update posts no second test notification";

  auto hooks = run(asg().describe_lifecycle_hooks("asg"));
  ASSERT_TRUE(hooks && hooks->size() == 1u);
  EXPECT_EQ((*hooks)[0].heartbeat_timeout, 60);
  EXPECT_EQ((*hooks)[0].global_timeout, 6000);
  auto inst = run(asg().describe_instance("i-self"));
  ASSERT_TRUE(inst && *inst);
  EXPECT_EQ((*inst)->group, "asg");
  EXPECT_EQ((*inst)->lifecycle_state, "InService");

  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Terminating:Wait");
  ASSERT_TRUE(run(asg().record_heartbeat("asg", "drain", token, "")));
  ASSERT_TRUE(run(asg().record_heartbeat("asg", "drain", "", "i-self"))) << "by instance id works too";
  EXPECT_EQ(emu->action(token)->heartbeats, 2);
  ASSERT_TRUE(run(asg().complete_action("asg", "drain", "CONTINUE", token, "")));
  EXPECT_FALSE(emu->action(token)->active);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Terminated");

  auto twice = run(asg().complete_action("asg", "drain", "CONTINUE", token, ""));
  ASSERT_FALSE(twice);
  EXPECT_TRUE(is_no_active_action(twice.error())) << twice.error().message();
  EXPECT_EQ(emu->calls("CompleteLifecycleAction").size(), 2u) << "ValidationError is final: not retried";
}

TEST_F(clients, s3_get_to_private_file_head_put_and_clear_errors) {
  emu->put_object("scripts", "hooks/on terminate.sh", "#!/bin/sh\necho bye\n");
  s3_client s3(*call, endpoint(service::s3));
  const auto dest = (dir / "private" / "script").string();
  auto got = run(s3.get_object_to_file({"scripts", "hooks/on terminate.sh"}, dest));
  ASSERT_TRUE(got) << got.error().message();
  std::ifstream in(dest);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "#!/bin/sh\necho bye\n");
  EXPECT_EQ(got->size, text.size());
  struct stat st {};
  ::stat(dest.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::stat((dir / "private").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto head = run(s3.head_object({"scripts", "hooks/on terminate.sh"}));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->size, text.size());

  const auto src = (dir / "upload.log").string();
  std::ofstream(src) << std::string(300000, 'L');
  ASSERT_TRUE(run(s3.put_object_from_file({"scripts", "logs/i-1/messages"}, src)));
  EXPECT_EQ(emu->object("scripts", "logs/i-1/messages"), std::string(300000, 'L'));

  auto missing = run(s3.get_object_to_file({"scripts", "nope.sh"}, dest + "2"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().aws_code, "NoSuchKey");
  EXPECT_NE(missing.error().message().find("does not exist"), std::string::npos) << missing.error().message();
  EXPECT_FALSE(std::filesystem::exists(dest + "2"));

  s3_client owned(*call, endpoint(service::s3), s3_options{"999999999999", false});
  auto denied = run(owned.get_object_to_file({"scripts", "hooks/on terminate.sh"}, dest + "3"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().http_status, 403u);
  EXPECT_NE(denied.error().message().find("999999999999"), std::string::npos) << denied.error().message();
}

TEST_F(clients, imds_v2_token_identity_and_role_credentials_feed_the_chain) {
  emu->set_imds_identity("i-0abc", "hookd-role");
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = emu->url();
  auto cfg = imds_config_from_env(env()).value();
  imds_client imds(*http_client, cfg);
  EXPECT_EQ(run(imds.instance_id()).value(), "i-0abc");
  EXPECT_EQ(run(imds.region()).value(), "us-east-1");
  EXPECT_FALSE(run(imds.spot_instance_action()).value().has_value());
  emu->set_spot_action(R"({"action":"terminate","time":"2026-11-27T12:00:00Z"})");
  EXPECT_TRUE(run(imds.spot_instance_action()).value().has_value());
  auto c = run(imds.role_credentials());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->temporary());
  EXPECT_TRUE(c->expiration.has_value());
  EXPECT_EQ(emu->calls("PUT /latest/api/token").size(), 1u) << "one token serves every GET";

  // The role credentials sign real calls.
  rebuild(std::make_unique<imds_provider>(imds), /*keep_http=*/true);
  emu->create_queue("q");
  EXPECT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(emu->calls("GetQueueAttributes").back().access_key_id, c->access_key_id);
}

TEST_F(clients, imds_requires_a_token_and_refetches_it_on_401) {
  emu->set_imds_identity("i-0abc", "role");
  http::string_request bare{http::bhttp::verb::get, "/latest/meta-data/instance-id", 11};
  auto ep = http::parse_endpoint(emu->url()).value();
  auto r = run(http_client->send(ep, bare, {}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 401u) << "IMDSv1 (no token) is refused";

  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = emu->url();
  imds_client imds(*http_client, imds_config_from_env(env()).value());
  ASSERT_TRUE(run(imds.instance_id()));
  emu->add_fault({"GET /latest/meta-data/instance-id", 1, 401, "", "Unauthorized", 0ms, false, false, std::nullopt});
  EXPECT_EQ(run(imds.instance_id()).value(), "i-0abc");
  EXPECT_EQ(emu->calls("PUT /latest/api/token").size(), 2u);
  EXPECT_FALSE(run(imds_client(*http_client, imds_config{true, ep}).instance_id())) << "AWS_EC2_METADATA_DISABLED";
}

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

TEST_F(clients, a_missing_ca_bundle_is_a_clear_error) {
  emu->create_queue("q");
  vars["AWS_CA_BUNDLE"] = (dir / "no-such-bundle.pem").string();
  rebuild();
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::tls_failed));
  EXPECT_NE(r.error().message().find("no-such-bundle.pem does not exist"), std::string::npos) << r.error().message();

  vars.erase("AWS_CA_BUNDLE");
  http::client_config cfg;
  cfg.env = env();
  cfg.path_exists = [](const std::string&, bool) { return false; };
  http::client bare(ioc.get_executor(), cfg);
  auto ep = http::parse_endpoint(emu->url()).value();
  auto r2 = run(bare.send(ep, http::string_request{http::bhttp::verb::get, "/", 11}, {}));
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message().find("/etc/pki/tls/certs/ca-bundle.crt"), std::string::npos) << r2.error().message();
}

TEST_F(clients, a_hashed_ca_directory_verifies_the_server_and_must_hold_its_ca) {
  auto other = emulator::make_test_pki((dir / "other").string()).value();
  emu->create_queue("q");
  vars.erase("AWS_CA_BUNDLE");
  vars["SSL_CERT_DIR"] = (dir / "only-other").string();
  ASSERT_TRUE(emulator::add_to_hashed_dir(other.ca_cert, (dir / "only-other").string()));
  rebuild();
  auto refused = run(sqs("q").get_attributes());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(errc::tls_failed)) << refused.error().message();

  vars["SSL_CERT_DIR"] = (dir / "both").string();
  ASSERT_TRUE(emulator::add_to_hashed_dir(other.ca_cert, (dir / "both").string()));
  ASSERT_TRUE(emulator::add_to_hashed_dir(pki.ca_cert, (dir / "both").string())) << "the same subject: .1";
  rebuild();
  auto r = run(sqs("q").get_attributes());
  EXPECT_TRUE(r) << r.error().message();
}

TEST_F(clients, a_certificate_from_another_ca_is_refused) {
  auto other = emulator::make_test_pki((dir / "other").string()).value();
  vars["AWS_CA_BUNDLE"] = other.ca_cert;
  rebuild();
  emu->create_queue("q");
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::tls_failed));
  EXPECT_NE(r.error().message().find("certificate"), std::string::npos) << r.error().message();
  EXPECT_TRUE(emu->calls().empty()) << "nothing reached the server";
}

} // namespace

#include "support/connect_proxy.hpp"

namespace {

TEST_F(clients, https_proxy_is_used_with_basic_auth_and_bypassed_for_imds_and_no_proxy) {
  test::connect_proxy proxy(ioc.get_executor());
  emu->create_queue("q");
  emu->set_imds_identity("i-0abc", "role");
  vars["HTTPS_PROXY"] = "http://ops:s%3Acret@127.0.0.1:" + std::to_string(proxy.port());
  rebuild();
  ASSERT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(proxy.tunnels(), 1);
  ASSERT_FALSE(proxy.targets().empty());
  EXPECT_EQ(proxy.targets()[0], "127.0.0.1:" + std::to_string(emu->port()));
  EXPECT_EQ(proxy.last_authorization(), "Basic b3BzOnM6Y3JldA==") << "user ops, password s:cret";

  // The metadata service is link-local: never through the proxy, whatever the variables say.
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = emu->url();
  imds_client imds(*http_client, imds_config_from_env(env()).value());
  ASSERT_TRUE(run(imds.instance_id()));
  EXPECT_EQ(proxy.tunnels(), 1);

  vars["NO_PROXY"] = "example.com, 127.0.0.1";
  rebuild();
  ASSERT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(proxy.tunnels(), 1) << "NO_PROXY matched the endpoint";
}

TEST_F(clients, a_proxy_that_refuses_is_reported) {
  vars["HTTPS_PROXY"] = "http://127.0.0.1:1"; // nothing listens on port 1
  rebuild();
  emu->create_queue("q");
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("via proxy"), std::string::npos) << r.error().message();
}

} // namespace

namespace {

TEST_F(clients, s3_bucket_in_another_region_names_that_region) {
  emu->put_object("far-bucket", "k", "x");
  emu->set_bucket_region("far-bucket", "ap-southeast-2");
  s3_client s3(*call, endpoint(service::s3));
  auto r = run(s3.get_object_to_file({"far-bucket", "k"}, (dir / "f").string()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 301u);
  EXPECT_NE(r.error().message().find("ap-southeast-2"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("another region"), std::string::npos) << r.error().message();
}

TEST_F(clients, oversized_bodies_are_refused_not_buffered) {
  emu->create_queue("q");
  emu->send_message("q", std::string(200000, 'x'));
  aws_request req;
  req.svc = service::sqs;
  req.operation = "ReceiveMessage";
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS.ReceiveMessage"}};
  req.body = sqs_receive_body(emu->queue_url("q"), 1, 0, std::nullopt);
  http::string_request raw{http::bhttp::verb::get, "/", 11};
  http::request_options small;
  small.body_limit = 1024;
  // Through the HTTP client directly: the caller's default limit (8 MiB) is generous on purpose.
  auto ep = http::parse_endpoint(emu->url()).value();
  auto ctl = run(http_client->send(ep, http::string_request{http::bhttp::verb::get, "/_emulator/state", 11}, small));
  ASSERT_TRUE(ctl);
  http::string_request big{http::bhttp::verb::post, "/_emulator/get-object", 11};
  emu->put_object("b", "big", std::string(100000, 'y'));
  big.body() = R"({"bucket":"b","key":"big"})";
  auto r = run(http_client->send(ep, big, small));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::too_large));
}

TEST_F(clients, lifecycle_actions_time_out_without_heartbeats_and_notifications_come_in_three_shapes) {
  emu->create_queue("direct");
  emu->create_queue("sns");
  emu->create_queue("events");
  emu->create_group("asg", {"i-1"});
  emulator::hook_spec h;
  h.group = "asg";
  h.name = "direct";
  h.queue = "direct";
  h.heartbeat_timeout = 30;
  h.metadata = "meta";
  emu->put_hook(h);
  h.name = "sns";
  h.queue = "sns";
  h.format = emulator::notification_format::sns;
  emu->put_hook(h);
  h.name = "events";
  h.queue = "events";
  h.format = emulator::notification_format::eventbridge;
  emu->put_hook(h);
  const auto tokens = emu->terminate_instance("asg", "i-1");
  ASSERT_EQ(tokens.size(), 3u);
  auto body_of = [&](const std::string& q) {
    auto msgs = run(sqs(q).receive(10, 0)).value();
    return boost::json::parse(msgs.back().body).as_object();
  };
  auto direct = body_of("direct");
  EXPECT_EQ(direct.at("LifecycleTransition").as_string(), "autoscaling:EC2_INSTANCE_TERMINATING");
  EXPECT_EQ(direct.at("EC2InstanceId").as_string(), "i-1");
  EXPECT_EQ(direct.at("NotificationMetadata").as_string(), "meta");
  auto sns = body_of("sns");
  EXPECT_EQ(sns.at("Type").as_string(), "Notification");
  auto inner = boost::json::parse(sns.at("Message").as_string()).as_object();
  EXPECT_EQ(inner.at("LifecycleActionToken").as_string(), tokens[1]);
  auto ev = body_of("events");
  EXPECT_EQ(ev.at("detail-type").as_string(), "EC2 Instance-terminate Lifecycle Action");
  EXPECT_EQ(ev.at("detail").as_object().at("LifecycleActionToken").as_string(), tokens[2]);

  EXPECT_TRUE(emu->action(tokens[0])->active);
  EXPECT_EQ(emu->instance_state("asg", "i-1"), "Terminating:Wait");

  // A heartbeat pushes the timeout out; without one the action times out with DefaultResult.
  emu->advance(std::chrono::seconds(20));
  ASSERT_TRUE(run(asg().record_heartbeat("asg", "direct", tokens[0], "")));
  emu->advance(std::chrono::seconds(20));
  EXPECT_TRUE(emu->action(tokens[0])->active) << "heartbeat extended it by 30 s";
  EXPECT_FALSE(emu->action(tokens[1])->active);
  EXPECT_TRUE(emu->action(tokens[1])->timed_out);
  EXPECT_EQ(emu->action(tokens[1])->result, "ABANDON");
  auto late = run(asg().complete_action("asg", "sns", "CONTINUE", tokens[1], ""));
  ASSERT_FALSE(late);
  EXPECT_TRUE(is_no_active_action(late.error()));
  // The global timeout (100 x heartbeat) caps heartbeats.
  for (int i = 0; i < 110; ++i) {
    emu->advance(std::chrono::seconds(29));
    if (!run(asg().record_heartbeat("asg", "direct", tokens[0], ""))) break;
  }
  EXPECT_FALSE(emu->action(tokens[0])->active) << "past the global timeout no heartbeat helps";
  EXPECT_EQ(emu->instance_state("asg", "i-1"), "Terminated");
}

TEST_F(clients, the_http_control_api_drives_the_same_emulator) {
  auto ep = http::parse_endpoint(emu->url()).value();
  auto post = [&](const std::string& cmd, const std::string& body) {
    http::string_request req{http::bhttp::verb::post, "/_emulator/" + cmd, 11};
    req.body() = body;
    return run(http_client->send(ep, req, {})).value();
  };
  EXPECT_EQ(post("queue", R"({"name":"ctl"})").result_int(), 200u);
  EXPECT_EQ(post("send", R"({"queue":"ctl","body":"hello"})").result_int(), 200u);
  EXPECT_EQ(emu->queue_depth("ctl"), 1u);
  EXPECT_EQ(post("group", R"({"name":"g","instances":["i-9"]})").result_int(), 200u);
  EXPECT_EQ(post("hook", R"({"group":"g","name":"h","queue":"ctl","heartbeat_timeout":60})").result_int(), 200u);
  auto t = post("terminate", R"({"group":"g","instance":"i-9"})");
  EXPECT_NE(t.body().find("tokens"), std::string::npos);
  auto bad = post("nonsense", "{}");
  EXPECT_EQ(bad.result_int(), 400u);
  EXPECT_NE(bad.body().find("unknown control command"), std::string::npos);
  auto state = post("state", "");
  EXPECT_NE(state.body().find("Terminating:Wait"), std::string::npos) << state.body();
}

} // namespace

#include <boost/asio/ip/udp.hpp>

namespace {

/// Answers every A query with 127.0.0.1 and counts the queries; AAAA gets no records.
struct fake_nameserver {
  net::ip::udp::socket sock;
  int queries = 0;
  explicit fake_nameserver(net::io_context& ioc) : sock(ioc, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)) { serve(); }
  std::uint16_t port() const { return sock.local_endpoint().port(); }
  std::array<char, 512> buf{};
  net::ip::udp::endpoint peer;
  void serve() {
    sock.async_receive_from(net::buffer(buf), peer, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      ++queries;
      std::string q(buf.data(), n), a = q;
      a[2] = static_cast<char>(0x81);
      a[3] = static_cast<char>(0x80);
      const bool type_a = q[n - 3] == 1;
      a[7] = type_a ? 1 : 0; // ANCOUNT
      if (type_a) a += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", 16);
      sock.send_to(net::buffer(a), peer);
      serve();
    });
  }
};

TEST_F(clients, names_getaddrinfo_cannot_resolve_come_from_the_hosts_file_then_dns) {
  emu->create_queue("q");
  const auto hosts = (dir / "hosts").string();
  std::ofstream(hosts) << "# test\n127.0.0.1 emu.test\n";
  vars["AWS_ENDPOINT_URL"] = "https://emu.test:" + std::to_string(emu->port());
  auto with_resolver = [&](http::resolver_files files) {
    http::client_config cfg;
    cfg.env = env();
    cfg.resolver = files;
    http_client = std::make_unique<http::client>(ioc.get_executor(), cfg);
    rebuild({}, /*keep_http=*/true);
  };
  with_resolver({hosts, (dir / "no-resolv.conf").string(), 53});
  auto r = run(sqs_client(*call, endpoint(service::sqs), emu->queue_url("q")).get_attributes());
  ASSERT_TRUE(r) << r.error().message();

  fake_nameserver dns(ioc);
  const auto resolv = (dir / "resolv.conf").string();
  std::ofstream(resolv) << "nameserver 127.0.0.1\n";
  with_resolver({(dir / "empty-hosts").string(), resolv, dns.port()});
  auto viadns = run(sqs_client(*call, endpoint(service::sqs), emu->queue_url("q")).get_attributes());
  ASSERT_TRUE(viadns) << viadns.error().message();
  EXPECT_GE(dns.queries, 1);

  with_resolver({(dir / "empty-hosts").string(), (dir / "empty-resolv").string(), 1});
  auto none = run(sqs_client(*call, endpoint(service::sqs), emu->queue_url("q")).get_attributes());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("cannot resolve emu.test"), std::string::npos) << none.error().message();
}

} // namespace

namespace {

/// Before the true answer (127.0.0.1) it sends three forgeries claiming 10.9.9.9: one from
/// another port, one with another id, one for another name.
struct spoofing_nameserver {
  net::ip::udp::socket sock, other;
  std::array<char, 512> buf{};
  net::ip::udp::endpoint peer;
  explicit spoofing_nameserver(net::io_context& ioc)
      : sock(ioc, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        other(ioc, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    serve();
  }
  std::uint16_t port() const { return sock.local_endpoint().port(); }
  static std::string answer(std::string q, const char* addr) {
    q[2] = static_cast<char>(0x81);
    q[3] = static_cast<char>(0x80);
    const bool type_a = q[q.size() - 3] == 1;
    q[7] = type_a ? 1 : 0;
    if (type_a) q += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04", 12) + std::string(addr, 4);
    return q;
  }
  void serve() {
    sock.async_receive_from(net::buffer(buf), peer, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      const std::string q(buf.data(), n);
      const char forged[] = "\x0a\x09\x09\x09", real[] = "\x7f\x00\x00\x01";
      other.send_to(net::buffer(answer(q, forged)), peer); // not the server asked
      auto wrong_id = answer(q, forged);
      wrong_id[1] = static_cast<char>(wrong_id[1] ^ 0x5a);
      sock.send_to(net::buffer(wrong_id), peer);
      auto wrong_name = answer(q, forged);
      wrong_name[13] = static_cast<char>(wrong_name[13] ^ 0x01); // first letter of the question name
      sock.send_to(net::buffer(wrong_name), peer);
      sock.send_to(net::buffer(answer(q, real)), peer);
      serve();
    });
  }
};

TEST_F(clients, dns_fallback_takes_only_the_answer_of_the_server_asked_to_the_question_asked) {
  spoofing_nameserver dns(ioc);
  const auto resolv = (dir / "resolv.conf").string();
  std::ofstream(resolv) << "nameserver 127.0.0.1\n";
  const http::resolver_files files{(dir / "empty-hosts").string(), resolv, dns.port()};
  auto r = run(http::fallback_resolve(ioc.get_executor(), "emu.test", files, std::chrono::steady_clock::now() + 5s));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, std::vector<std::string>{"127.0.0.1"}) << "a forged answer was taken";
}

} // namespace
