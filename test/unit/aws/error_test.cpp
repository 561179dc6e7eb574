// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/error.hpp"
#include "hookd/aws/retry.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::aws;

TEST(service_error, sqs_json) {
  auto e = parse_service_error(400, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})",
                               protocol::json, "AWS.SimpleQueueService.NonExistentQueue;Sender", "req-1");
  EXPECT_EQ(e.code, "QueueDoesNotExist");
  EXPECT_EQ(e.message, "The specified queue does not exist.");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(e.describe(), "AWS error QueueDoesNotExist (HTTP 400): The specified queue does not exist. [request id req-1]");
  EXPECT_EQ(classify(e), retry_kind::none);
}

TEST(service_error, query_protocol_xml) {
  auto e = parse_service_error(
      400,
      R"(<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>No active Lifecycle Action found with token abc</Message></Error><RequestId>r-2</RequestId></ErrorResponse>)",
      protocol::xml, "", "");
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(e.message, "No active Lifecycle Action found with token abc");
  EXPECT_EQ(e.request_id, "r-2");
}

TEST(service_error, s3_xml_and_region_redirect) {
  auto e = parse_service_error(
      301, R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>Use the right endpoint.</Message><RequestId>s3r</RequestId></Error>)",
      protocol::xml, "", "", "eu-central-1");
  EXPECT_EQ(e.code, "PermanentRedirect");
  EXPECT_EQ(e.request_id, "s3r");
  EXPECT_NE(e.describe().find("region eu-central-1"), std::string::npos);
}

TEST(service_error, garbage_bodies_still_give_a_code) {
  EXPECT_EQ(parse_service_error(503, "<html>busy</html", protocol::xml, "", "").code, "ServiceUnavailable");
  EXPECT_EQ(parse_service_error(404, "", protocol::xml, "", "").code, "NotFound");
  EXPECT_EQ(parse_service_error(500, "{not json", protocol::json, "", "").code, "InternalError");
  EXPECT_EQ(parse_service_error(400, "{}", protocol::json, "AWS.SimpleQueueService.Foo;Sender", "").code,
            "AWS.SimpleQueueService.Foo");
}

TEST(classify, standard_mode_lists) {
  auto kind = [](unsigned status, std::string code) {
    service_error e;
    e.status = status;
    e.code = std::move(code);
    return classify(e);
  };
  EXPECT_EQ(kind(400, "ThrottlingException"), retry_kind::throttle);
  EXPECT_EQ(kind(400, "Throttling"), retry_kind::throttle);
  EXPECT_EQ(kind(503, "SlowDown"), retry_kind::throttle);
  EXPECT_EQ(kind(429, "Whatever"), retry_kind::throttle);
  EXPECT_EQ(kind(500, "InternalError"), retry_kind::transient);
  EXPECT_EQ(kind(502, "BadGateway"), retry_kind::transient);
  EXPECT_EQ(kind(504, "x"), retry_kind::transient);
  EXPECT_EQ(kind(400, "RequestTimeout"), retry_kind::transient);
  EXPECT_EQ(kind(403, "RequestTimeTooSkewed"), retry_kind::clock_skew);
  EXPECT_EQ(kind(403, "ExpiredToken"), retry_kind::expired_credentials);
  EXPECT_EQ(kind(400, "ValidationError"), retry_kind::none);
  EXPECT_EQ(kind(403, "SignatureDoesNotMatch"), retry_kind::none);
  EXPECT_EQ(kind(404, "NoSuchKey"), retry_kind::none);
}

TEST(retry, config_from_env) {
  EXPECT_EQ(retry_config_from_env(map_env({}))->max_attempts, 3);
  EXPECT_EQ(retry_config_from_env(map_env({{"AWS_MAX_ATTEMPTS", "5"}}))->max_attempts, 5);
  for (const char* bad : {"0", "21", "x", "3x", "-1"}) {
    auto r = retry_config_from_env(map_env({{"AWS_MAX_ATTEMPTS", bad}}));
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("AWS_MAX_ATTEMPTS"), std::string::npos);
  }
}

TEST(retry, full_jitter_backoff_is_bounded_and_capped) {
  retry_config cfg;
  EXPECT_EQ(backoff_delay(1, cfg, [] { return 0.0; }).count(), 0);
  EXPECT_EQ(backoff_delay(1, cfg, [] { return 0.5; }).count(), 500);
  EXPECT_EQ(backoff_delay(3, cfg, [] { return 0.5; }).count(), 2000);
  EXPECT_EQ(backoff_delay(10, cfg, [] { return 0.999999; }).count(), 19999) << "capped at 20 s";
  EXPECT_EQ(backoff_delay(100, cfg, [] { return 1.0; }).count(), 20000);
}

TEST(retry, token_bucket_stops_retry_storms_and_refills_on_success) {
  retry_token_bucket b;
  int retries = 0;
  while (b.try_acquire(false)) ++retries;
  EXPECT_EQ(retries, 100);
  EXPECT_FALSE(b.try_acquire(true));
  b.on_success(0);
  EXPECT_EQ(b.tokens(), 1);
  b.on_success(5);
  EXPECT_EQ(b.tokens(), 6);
  EXPECT_TRUE(b.try_acquire(false));
  retry_token_bucket full;
  full.on_success(0);
  EXPECT_EQ(full.tokens(), retry_token_bucket::initial_tokens);
}
