// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/call_counter.hpp"

#include <gtest/gtest.h>

using namespace hookd::aws;

namespace {
std::uint64_t count(const call_counter& c, const std::string& svc, const std::string& code) {
  auto it = c.counts().find({svc, code});
  return it == c.counts().end() ? 0 : it->second;
}
} // namespace

TEST(call_counter, one_noisy_service_cannot_push_another_s_codes_into_other) {
  call_counter c;
  // An SQS endpoint that names a new error code at every call (issue 24: with one global cap of
  // 96 labels, it took them all and Auto Scaling's Throttling then counted as "other").
  for (int i = 0; i < 500; ++i) c.add("sqs", "Weird" + std::to_string(i), true);
  c.add("autoscaling", "Throttling", true);
  c.add("s3", "NoSuchKey", true);
  EXPECT_EQ(count(c, "autoscaling", "Throttling"), 1u);
  EXPECT_EQ(count(c, "s3", "NoSuchKey"), 1u);
  EXPECT_EQ(count(c, "autoscaling", "other"), 0u);
  EXPECT_EQ(count(c, "sqs", "other"), 500u - call_counter::codes_per_service);
  EXPECT_LE(c.counts().size(), call_counter::codes_per_service + 1 + 2) << "bounded: 32 codes and other, plus the two";
}

TEST(call_counter, hookd_s_own_outcomes_keep_their_name_past_the_budget) {
  call_counter c;
  for (int i = 0; i < 100; ++i) c.add("sqs", "Weird" + std::to_string(i), true);
  c.add("sqs", "OK", false);
  c.add("sqs", "timeout", false);
  c.add("sqs", "Weird0", true);
  EXPECT_EQ(count(c, "sqs", "OK"), 1u);
  EXPECT_EQ(count(c, "sqs", "timeout"), 1u);
  EXPECT_EQ(count(c, "sqs", "Weird0"), 2u) << "a code already kept keeps counting";
}

TEST(call_counter, one_noisy_code_takes_one_label) {
  call_counter c;
  for (int i = 0; i < 10000; ++i) c.add("autoscaling", "Throttling", true);
  for (std::size_t i = 0; i + 1 < call_counter::codes_per_service; ++i) c.add("autoscaling", "Code" + std::to_string(i), true);
  EXPECT_EQ(count(c, "autoscaling", "Throttling"), 10000u);
  EXPECT_EQ(count(c, "autoscaling", "other"), 0u) << "the rest of the budget is still there";
}
