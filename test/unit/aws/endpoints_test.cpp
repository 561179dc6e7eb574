// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/endpoints.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::aws;

TEST(endpoints, default_per_partition) {
  auto env = map_env({});
  EXPECT_EQ(resolve_endpoint(service::sqs, "eu-west-1", env)->ep.host, "sqs.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(service::autoscaling, "cn-north-1", env)->ep.host, "autoscaling.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolve_endpoint(service::s3, "us-gov-west-1", env)->ep.host, "s3.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(service::sqs, "us-iso-east-1", env)->ep.host, "sqs.us-iso-east-1.c2s.ic.gov");
  auto bad = resolve_endpoint(service::sqs, "EU WEST", env);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("AWS_REGION"), std::string::npos);
}

TEST(endpoints, overrides_service_specific_first_and_can_be_ignored) {
  auto env = map_env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}, {"AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:2"}});
  auto asg = resolve_endpoint(service::autoscaling, "eu-west-1", env);
  ASSERT_TRUE(asg);
  EXPECT_EQ(asg->ep.port, 2);
  EXPECT_TRUE(asg->overridden);
  EXPECT_EQ(asg->source, "AWS_ENDPOINT_URL_AUTO_SCALING");
  EXPECT_EQ(resolve_endpoint(service::sqs, "eu-west-1", env)->ep.port, 1);
  auto ignored = map_env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}});
  EXPECT_FALSE(resolve_endpoint(service::sqs, "eu-west-1", ignored)->overridden);
  auto broken = resolve_endpoint(service::s3, "eu-west-1", map_env({{"AWS_ENDPOINT_URL_S3", "nonsense"}}));
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("AWS_ENDPOINT_URL_S3"), std::string::npos);
}

TEST(endpoints, s3_addressing_style) {
  auto s3 = resolve_endpoint(service::s3, "eu-west-1", map_env({})).value();
  auto v = s3_object_target(s3, "my-bucket", "scripts/on terminate.sh");
  EXPECT_FALSE(v.path_style);
  EXPECT_EQ(v.ep.host, "my-bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(v.path, "/scripts/on%20terminate.sh");
  auto dotted = s3_object_target(s3, "my.bucket", "k");
  EXPECT_TRUE(dotted.path_style);
  EXPECT_EQ(dotted.ep.host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(dotted.path, "/my.bucket/k");
  EXPECT_TRUE(s3_object_target(s3, "bucket", "k", true).path_style);
  auto local = resolve_endpoint(service::s3, "eu-west-1", map_env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"}})).value();
  auto l = s3_object_target(local, "bucket", "a/b+c");
  EXPECT_TRUE(l.path_style);
  EXPECT_EQ(l.path, "/bucket/a/b%2Bc");
}
