// SPDX-License-Identifier: Apache-2.0
// Request bodies and response parsing of the SQS, Auto Scaling and IMDS clients, without a wire.
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"
#include "hookd/sigv4/signer.hpp"
#include "hookd/sigv4/verifier.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::aws;

TEST(sqs_protocol, receive_body_clamps_and_asks_for_attributes) {
  auto body = boost::json::parse(sqs_receive_body("https://q/1/x", 50, 99, 30)).as_object();
  EXPECT_EQ(body.at("MaxNumberOfMessages").as_int64(), 10);
  EXPECT_EQ(body.at("WaitTimeSeconds").as_int64(), 20);
  EXPECT_EQ(body.at("VisibilityTimeout").as_int64(), 30);
  EXPECT_EQ(body.at("MessageSystemAttributeNames").as_array().size(), 2u);
}

TEST(sqs_protocol, parses_messages_and_skips_unusable_ones) {
  auto r = parse_sqs_receive(R"({"Messages":[
    {"MessageId":"m1","ReceiptHandle":"h1","Body":"b","Attributes":{"ApproximateReceiveCount":"3","SentTimestamp":"1700000000123"}},
    {"MessageId":"m2","Body":"no handle"}, 7]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].receive_count, 3);
  EXPECT_EQ((*r)[0].sent->time_since_epoch(), std::chrono::milliseconds(1700000000123));
  EXPECT_TRUE(parse_sqs_receive("{}")->empty());
  EXPECT_FALSE(parse_sqs_receive("not json"));
  EXPECT_FALSE(parse_sqs_receive(R"({"Messages":{}})"));
}

TEST(sqs_protocol, batch_results_and_queue_endpoint) {
  auto b = parse_sqs_batch(R"({"Successful":[{"Id":"a"}],"Failed":[{"Id":"b","SenderFault":true,"Code":"ReceiptHandleIsInvalid","Message":"x"}]})");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->succeeded, std::vector<std::string>{"a"});
  EXPECT_EQ(b->failed.at(0).code, "ReceiptHandleIsInvalid");
  EXPECT_TRUE(b->failed.at(0).sender_fault);
  EXPECT_EQ(endpoint_of_queue_url("https://sqs.eu-west-1.amazonaws.com/123/q")->host, "sqs.eu-west-1.amazonaws.com");
  EXPECT_FALSE(endpoint_of_queue_url("my-queue"));
}

TEST(autoscaling_protocol, form_encoding_and_xml_parsing) {
  EXPECT_EQ(query_form("CompleteLifecycleAction", {{"AutoScalingGroupName", "my asg"}, {"LifecycleActionResult", "CONTINUE"}}),
            "Action=CompleteLifecycleAction&Version=2011-01-01&AutoScalingGroupName=my%20asg&LifecycleActionResult=CONTINUE");
  auto hooks = parse_describe_lifecycle_hooks(
      R"(<DescribeLifecycleHooksResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeLifecycleHooksResult><LifecycleHooks>
      <member><LifecycleHookName>drain</LifecycleHookName><AutoScalingGroupName>asg</AutoScalingGroupName><LifecycleTransition>autoscaling:EC2_INSTANCE_TERMINATING</LifecycleTransition><HeartbeatTimeout>300</HeartbeatTimeout><GlobalTimeout>30000</GlobalTimeout><DefaultResult>CONTINUE</DefaultResult></member>
      </LifecycleHooks></DescribeLifecycleHooksResult></DescribeLifecycleHooksResponse>)");
  ASSERT_TRUE(hooks && hooks->size() == 1u);
  EXPECT_EQ((*hooks)[0].heartbeat_timeout, 300);
  EXPECT_EQ((*hooks)[0].global_timeout, 30000);
  EXPECT_EQ((*hooks)[0].default_result, "CONTINUE");
  EXPECT_FALSE(parse_describe_lifecycle_hooks("<oops"));
  auto inst = parse_describe_autoscaling_instances(
      R"(<DescribeAutoScalingInstancesResponse><DescribeAutoScalingInstancesResult><AutoScalingInstances><member><InstanceId>i-1</InstanceId><AutoScalingGroupName>asg</AutoScalingGroupName><LifecycleState>InService</LifecycleState></member></AutoScalingInstances></DescribeAutoScalingInstancesResult></DescribeAutoScalingInstancesResponse>)");
  ASSERT_TRUE(inst && inst->size() == 1u);
  EXPECT_EQ((*inst)[0].group, "asg");
}

TEST(autoscaling_protocol, hook_timeouts_past_auto_scaling_s_limits_are_held_to_them) {
  // A faulty endpoint's HeartbeatTimeout of 999999999 made the default GlobalTimeout
  // (100 * HeartbeatTimeout, an int) overflow: undefined behaviour, caught by UBSan.
  auto hooks = parse_describe_lifecycle_hooks(
      R"(<DescribeLifecycleHooksResponse><DescribeLifecycleHooksResult><LifecycleHooks>
      <member><LifecycleHookName>a</LifecycleHookName><HeartbeatTimeout>999999999</HeartbeatTimeout></member>
      <member><LifecycleHookName>b</LifecycleHookName><HeartbeatTimeout>-5</HeartbeatTimeout><GlobalTimeout>2147483647</GlobalTimeout></member>
      </LifecycleHooks></DescribeLifecycleHooksResult></DescribeLifecycleHooksResponse>)");
  ASSERT_TRUE(hooks && hooks->size() == 2u);
  EXPECT_EQ((*hooks)[0].heartbeat_timeout, 172800);
  EXPECT_EQ((*hooks)[0].global_timeout, 172800);
  EXPECT_EQ((*hooks)[1].heartbeat_timeout, 0);
  EXPECT_EQ((*hooks)[1].global_timeout, 172800);
}

TEST(autoscaling_protocol, no_active_action_is_recognised) {
  error e = make_error(errc::service_error, "Auto Scaling CompleteLifecycleAction: AWS error ValidationError (HTTP 400): No active Lifecycle Action found with token x");
  e.aws_code = "ValidationError";
  EXPECT_TRUE(is_no_active_action(e));
  e.context = "ValidationError: Group x not found";
  EXPECT_FALSE(is_no_active_action(e));
}

TEST(s3_uri, parsing) {
  auto u = parse_s3_uri("s3://my-bucket/scripts/on-terminate.sh");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->bucket, "my-bucket");
  EXPECT_EQ(u->key, "scripts/on-terminate.sh");
  EXPECT_EQ(u->str(), "s3://my-bucket/scripts/on-terminate.sh");
  for (const char* bad : {"my-bucket/key", "s3://", "s3://bucket", "s3://bucket/", "s3:///key", "s3://ab/key"})
    EXPECT_FALSE(parse_s3_uri(bad)) << bad;
}

TEST(imds_protocol, credentials_document_and_config) {
  auto c = parse_imds_credentials(R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"2026-11-27T18:00:00Z"})", "r");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->source, "imds:r");
  EXPECT_TRUE(c->expiration);
  EXPECT_FALSE(parse_imds_credentials(R"({"Code":"AssumeRoleUnauthorizedAccess"})", "r"));
  EXPECT_FALSE(parse_imds_credentials("[]", "r"));
  auto cfg = imds_config_from_env(map_env({}));
  EXPECT_EQ(cfg->ep.host, "169.254.169.254");
  EXPECT_EQ(imds_config_from_env(map_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}}))->ep.host, "fd00:ec2::254");
  EXPECT_TRUE(imds_config_from_env(map_env({{"AWS_EC2_METADATA_DISABLED", "true"}}))->disabled);
  EXPECT_FALSE(imds_config_from_env(map_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5"}})));
}

TEST(verifier, accepts_what_the_signer_signed_and_rejects_tampering) {
  aws::credentials creds;
  creds.access_key_id = "AKID";
  creds.secret_access_key = secret_string("secret");
  sigv4::request_parts req{"POST", "/", {}, {{"Host", "sqs.us-east-1.amazonaws.com"}, {"X-Amz-Target", "AmazonSQS.ReceiveMessage"}}};
  const std::string body = "{}";
  const auto t = std::chrono::system_clock::now();
  auto signed_ = sigv4::sign_headers(req, crypto::sha256_hex(body), creds, sigv4::signing_params::for_service("us-east-1", "sqs", t));
  ASSERT_TRUE(signed_);
  auto auth = sigv4::parse_authorization(signed_->authorization.reveal());
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->service, "sqs");
  sigv4::received_request rr{"POST", "/", "", req.headers, crypto::sha256_hex(body)};
  EXPECT_TRUE(sigv4::verify(rr, *auth, secret_string("secret"), amz_date(t), false).ok);
  EXPECT_FALSE(sigv4::verify(rr, *auth, secret_string("wrong"), amz_date(t), false).ok);
  rr.payload_hash = crypto::sha256_hex("{\"x\":1}");
  EXPECT_FALSE(sigv4::verify(rr, *auth, secret_string("secret"), amz_date(t), false).ok);
  EXPECT_FALSE(sigv4::parse_authorization("Basic abc"));
  EXPECT_FALSE(sigv4::parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sqs, SignedHeaders=host, Signature=x"));
}

TEST(sqs_protocol, a_sent_timestamp_past_what_a_time_can_hold_is_dropped_not_overflowed) {
  // Found by fuzz_sqs: 17064496800000 ms (year 2510) overflowed sys_time's nanoseconds (UBSan).
  auto r = parse_sqs_receive(R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"h1","MD5OfBody":"x","Body":"{}",)"
                             R"("Attributes":{"ApproximateReceiveCount":"3","SentTimestamp":"17064496800000"}}]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FALSE((*r)[0].sent);
  EXPECT_EQ((*r)[0].receive_count, 3);
}
