// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/endpoints.hpp"
#include "hookd/aws/sns.hpp"

#include <gtest/gtest.h>

using namespace hookd;

TEST(sns, publish_is_a_query_form_of_version_2010_03_31_with_the_subject_cut_to_sns_s_limit) {
  EXPECT_EQ(aws::sns_publish_form("arn:aws:sns:us-east-1:1:t", "{\"a\":1} &=", ""),
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At&Message=%7B%22a%22%3A1%7D%20%26%3D");
  const auto form = aws::sns_publish_form("t", "m", std::string(150, 's'));
  EXPECT_NE(form.find("&Subject=" + std::string(99, 's')), std::string::npos);
  EXPECT_EQ(form.find(std::string(100, 's')), std::string::npos);
}

TEST(sns, the_endpoint_follows_aws_endpoint_url_sns_like_every_other_service) {
  auto own = aws::resolve_endpoint(aws::service::sns, "eu-west-1",
                                   map_env({{"AWS_ENDPOINT_URL_SNS", "http://localhost:4566"}, {"AWS_ENDPOINT_URL", "http://other:1"}}));
  ASSERT_TRUE(own);
  EXPECT_EQ(own->source, "AWS_ENDPOINT_URL_SNS");
  EXPECT_EQ(own->ep.host, "localhost");
  auto def = aws::resolve_endpoint(aws::service::sns, "cn-north-1", map_env({}));
  ASSERT_TRUE(def);
  EXPECT_EQ(def->ep.url(), "https://sns.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(aws::signing_name(aws::service::sns), "sns");
}
