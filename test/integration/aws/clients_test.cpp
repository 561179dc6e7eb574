// SPDX-License-Identifier: Apache-2.0
// The services' clients against the emulator: what the wire carries and what the emulator recorded.
#include "integration/aws/clients_fixture.hpp"

namespace {

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

TEST_F(clients, the_answer_delay_holds_every_answer_of_its_service_for_at_least_that_long) {
  // A round trip from an instance, set through the control API as hookd-emulator's users do.
  // A lower bound only: timers never fire early, so this cannot flake on a slow machine.
  hook_scenario();
  ASSERT_TRUE(emu->control("answer-delay", boost::json::object{{"service", "autoscaling"}, {"ms", 120}}));
  EXPECT_FALSE(emu->control("answer-delay", boost::json::object{{"ms", -5}})) << "a negative delay is refused";
  for (int i = 0; i < 2; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(run(asg().describe_lifecycle_hooks("asg")));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 120ms) << "answered without its delay";
  }
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
