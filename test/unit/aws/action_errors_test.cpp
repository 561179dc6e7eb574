// SPDX-License-Identifier: Apache-2.0
// Which Auto Scaling answers may refuse an action (issue 24): only one about the action itself.
// A 403 says hookd may not ask, not that there is nothing to ask about.
#include "hookd/aws/autoscaling.hpp"

#include "support/aws_answers.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::aws;

namespace {

using test::aws_answer;

TEST(action_errors, access_refusals_are_not_about_the_action_and_are_retried_until_its_deadline) {
  for (const auto& e : {aws_answer(403, "AccessDenied", "User: arn:aws:sts::1:assumed-role/r/i-1 is not authorized to perform: "
                                                    "autoscaling:RecordLifecycleActionHeartbeat"),
                        aws_answer(403, "UnauthorizedOperation", "not authorized"), aws_answer(403, "InvalidClientTokenId", "bad key"),
                        aws_answer(403, "", "")}) {
    EXPECT_FALSE(is_about_action(e)) << e.message();
    EXPECT_FALSE(is_permanent(e)) << e.message();
    EXPECT_TRUE(is_access_denied(e)) << e.message();
    EXPECT_TRUE(retries_until_deadline(e)) << e.message();
  }
}

TEST(action_errors, no_active_action_is_about_the_action_and_not_permanent) {
  const auto e = aws_answer(400, "ValidationError", "No active Lifecycle Action found with token 0000");
  EXPECT_TRUE(is_about_action(e));
  EXPECT_TRUE(is_no_active_action(e));
  EXPECT_FALSE(is_permanent(e)) << "it can precede the action's activation by a moment";
  EXPECT_FALSE(is_access_denied(e));
}

TEST(action_errors, a_malformed_token_is_a_permanent_answer_about_the_action) {
  const auto e = aws_answer(400, "ValidationError",
                        "1 validation error detected: Value 'x' at 'lifecycleActionToken' failed to satisfy constraint");
  EXPECT_TRUE(is_about_action(e));
  EXPECT_TRUE(is_permanent(e));
}

TEST(action_errors, server_errors_throttling_and_other_client_errors_are_not_about_the_action) {
  for (const auto& e : {aws_answer(500, "InternalFailure", ""), aws_answer(503, "ServiceUnavailable", ""),
                        aws_answer(400, "Throttling", "Rate exceeded"), aws_answer(400, "InvalidAction", "nope"),
                        aws_answer(404, "NotFound", "")}) {
    EXPECT_FALSE(is_about_action(e)) << e.message();
    EXPECT_FALSE(is_permanent(e)) << e.message();
  }
  EXPECT_TRUE(retries_until_deadline(aws_answer(400, "Throttling", "Rate exceeded")));
  EXPECT_FALSE(retries_until_deadline(aws_answer(500, "InternalFailure", ""))) << "a server error keeps its rounds";
  // A network failure carries no AWS code at all.
  EXPECT_FALSE(is_about_action(make_error(errc::connection_failed, "connect: refused")));
}

} // namespace
