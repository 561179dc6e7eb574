#pragma once
// SPDX-License-Identifier: Apache-2.0
// Every client against the emulator over TLS (clients_test: the services; faults_test: retries,
// deadlines, credentials, connections, CA certificates, proxies, DNS and limits).
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"
#include "support/emulator_fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <sys/stat.h>

namespace hookd::test {

// Not in an anonymous namespace: the two files share the one test suite, whose fixture type
// GoogleTest requires to be the same.
class clients : public emulator_fixture {
protected:
  aws::sqs_client sqs(const std::string& queue) {
    return aws::sqs_client(*call, endpoint(aws::service::sqs), emu->queue_url(queue));
  }
  aws::autoscaling_client asg() { return aws::autoscaling_client(*call, endpoint(aws::service::autoscaling)); }
};

} // namespace hookd::test

// The names the two test files use, once (this header is theirs alone).
using namespace hookd;
using namespace hookd::aws;
using hookd::test::clients;
using namespace std::chrono_literals;
namespace net = boost::asio;
