// SPDX-License-Identifier: Apache-2.0
#pragma once
// The body of a terminating lifecycle notification, as anyone who can send to the queue can write
// it: the tests' and the soak's forged messages, and a real action's held-back message.
#include <boost/json.hpp>

#include <string>

namespace hookd::test {

inline std::string lifecycle_message(const std::string& token, const std::string& hook = "drain",
                                     const std::string& group = "asg", const std::string& instance = "i-self") {
  return boost::json::serialize(boost::json::object{{"LifecycleActionToken", token}, {"AutoScalingGroupName", group},
                                                    {"LifecycleHookName", hook}, {"EC2InstanceId", instance},
                                                    {"LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"}});
}

} // namespace hookd::test
