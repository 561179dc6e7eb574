// SPDX-License-Identifier: Apache-2.0
// Cost of signing the request hookd sends most: an SQS ReceiveMessage (JSON protocol) with
// temporary credentials. With the signing-key cache (the daemon's steady state) and without it.
#include "hookd/crypto/digest.hpp"
#include "hookd/sigv4/signer.hpp"

#include <benchmark/benchmark.h>

using namespace hookd;

namespace {
const std::string body =
    R"({"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/asg-lifecycle","MaxNumberOfMessages":10,)"
    R"("WaitTimeSeconds":20,"MessageSystemAttributeNames":["ApproximateReceiveCount","SentTimestamp"]})";

aws::credentials temp_creds() {
  aws::credentials c;
  c.access_key_id = "ASIAEXAMPLEEXAMPLE12";
  c.secret_access_key = secret_string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  c.session_token = secret_string(std::string(600, 'T'));
  return c;
}

sigv4::request_parts receive_message() {
  return {"POST", "/", {},
          {{"Host", "sqs.eu-west-1.amazonaws.com"},
           {"Content-Type", "application/x-amz-json-1.0"},
           {"X-Amz-Target", "AmazonSQS.ReceiveMessage"},
           {"User-Agent", "hookd/0.1.0"}}};
}

void sign_sqs_receive(benchmark::State& state, bool cached) {
  const auto creds = temp_creds();
  const auto params = sigv4::signing_params::for_service("eu-west-1", "sqs", std::chrono::system_clock::now());
  sigv4::signing_key_cache cache;
  for (auto _ : state) {
    auto req = receive_message();
    auto r = sigv4::sign_headers(req, crypto::sha256_hex(body), creds, params, cached ? &cache : nullptr);
    benchmark::DoNotOptimize(r);
  }
  state.counters["req/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
} // namespace

BENCHMARK_CAPTURE(sign_sqs_receive, cached_key, true);
BENCHMARK_CAPTURE(sign_sqs_receive, fresh_key, false);
BENCHMARK_MAIN();
