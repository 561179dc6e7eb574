// SPDX-License-Identifier: Apache-2.0
// Faults survived and reported (throttling, 5xx, dead endpoints, skew, expired tokens, closed and
// cut connections, deadlines, cancellation, wrong credentials) and the transport's edges (CA
// certificates, a certificate from another CA, proxies, oversized bodies, another region's
// bucket, names resolved without NSS).
#include "integration/aws/clients_fixture.hpp"
#include "support/connect_proxy.hpp"

#include <boost/asio/ip/udp.hpp>

namespace {

TEST_F(clients, retries_on_throttling_and_5xx_then_stop) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 2, 400, "ThrottlingException", "Rate exceeded", 0ms, false, false, std::nullopt});
  const auto before = call->attempts();
  EXPECT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(call->attempts() - before, 3u);

  emu->add_fault({"GetQueueAttributes", 3, 503, "ServiceUnavailable", "down", 0ms, false, false, std::nullopt});
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "ServiceUnavailable");
  EXPECT_EQ(call->attempts() - before, 6u) << "three attempts (AWS_MAX_ATTEMPTS default), then stop";
  EXPECT_LT(call->token_bucket().tokens(), aws::retry_token_bucket::initial_tokens);

  emu->add_fault({"GetQueueAttributes", 1, 400, "AccessDenied", "no", 0ms, false, false, std::nullopt});
  EXPECT_FALSE(run(sqs("q").get_attributes()));
  EXPECT_EQ(call->attempts() - before, 7u) << "a client error is not retried";
}

TEST_F(clients, a_dead_endpoint_spends_the_retry_budget_instead_of_multiplying_traffic) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 1000, 500, "InternalError", "boom", 0ms, false, false, std::nullopt});
  auto q = sqs("q");
  int calls_made = 0;
  while (call->token_bucket().tokens() >= aws::retry_token_bucket::retry_cost && calls_made < 200) {
    EXPECT_FALSE(run(q.get_attributes()));
    ++calls_made;
  }
  const auto attempts = call->attempts();
  auto r = run(q.get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(call->attempts() - attempts, 1u) << "no tokens left: one attempt, no retries";
  EXPECT_NE(r.error().message().find("retry budget"), std::string::npos) << r.error().message();
}

TEST_F(clients, clock_skew_is_learnt_and_corrected) {
  emu->create_queue("q");
  emu->set_clock_skew(std::chrono::minutes(20));
  auto r = run(sqs("q").get_attributes());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_NEAR(double(call->clock_offset().count()), 1200.0, 5.0);
  EXPECT_EQ(emu->calls("GetQueueAttributes").front().error_code, "RequestTimeTooSkewed");
  EXPECT_TRUE(run(sqs("q").get_attributes())) << "later calls use the learnt offset at once";
  EXPECT_EQ(emu->calls("GetQueueAttributes").size(), 3u);
}

TEST_F(clients, expired_token_forces_a_credentials_refresh) {
  emu->create_queue("q");
  emu->add_key({"ASIAOLD", "old-secret", "old-token", std::chrono::system_clock::now() - 1min});
  emu->add_key({"ASIANEW", "new-secret", "new-token", std::chrono::system_clock::now() + 1h});
  struct rotating final : credentials_provider {
    int calls = 0;
    net::awaitable<outcome<credentials>> get() override {
      credentials c;
      c.access_key_id = calls == 0 ? "ASIAOLD" : "ASIANEW";
      c.secret_access_key = secret_string(calls == 0 ? "old-secret" : "new-secret");
      c.session_token = secret_string(calls == 0 ? "old-token" : "new-token");
      c.expiration = std::chrono::system_clock::now() + 6h; // we believe they are fine: AWS disagrees
      ++calls;
      co_return c;
    }
    std::string name() const override { return "rotating"; }
  };
  rebuild(std::make_unique<rotating>());
  auto r = run(sqs("q").get_attributes());
  ASSERT_TRUE(r) << r.error().message();
  const auto rec = emu->calls("GetQueueAttributes");
  ASSERT_EQ(rec.size(), 2u);
  EXPECT_EQ(rec[0].error_code, "ExpiredToken");
  EXPECT_EQ(rec[1].access_key_id, "ASIANEW");
}

TEST_F(clients, keep_alive_is_reused_and_a_closed_connection_is_survived) {
  emu->create_queue("q");
  auto q = sqs("q");
  ASSERT_TRUE(run(q.get_attributes()));
  ASSERT_TRUE(run(q.get_attributes()));
  EXPECT_EQ(http_client->connections_opened(), 1u);
  emu->add_fault({"GetQueueAttributes", 1, 0, "", "", 0ms, false, /*close_after=*/true, std::nullopt});
  ASSERT_TRUE(run(q.get_attributes()));
  const auto attempts = call->attempts();
  ASSERT_TRUE(run(q.get_attributes())) << "the pooled connection was dead: retried on a fresh one";
  EXPECT_EQ(call->attempts() - attempts, 1u) << "the stale retry is the transport's, not an AWS-level retry";
  EXPECT_EQ(http_client->connections_opened(), 2u);
  EXPECT_EQ(http_client->sessions_resumed(), 1u) << "the second connection resumed the first one's TLS session";
}

TEST_F(clients, a_response_cut_mid_body_is_retried) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 1, 0, "", "", 0ms, /*drop=*/true, false, std::nullopt});
  auto r = run(sqs("q").get_attributes());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(emu->calls("GetQueueAttributes").size(), 2u);
}

TEST_F(clients, deadlines_bound_every_exchange) {
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 3, 0, "", "", 1500ms, false, false, std::nullopt});
  aws_request req;
  req.svc = service::sqs;
  req.operation = "GetQueueAttributes";
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS.GetQueueAttributes"}};
  req.body = R"({"QueueUrl":")" + emu->queue_url("q") + R"("})";
  req.timeout = 100ms;
  auto r = run(call->call(endpoint(service::sqs), req));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::timeout));
  EXPECT_NE(r.error().message().find("timed out"), std::string::npos) << r.error().message();
}

TEST_F(clients, a_cancelled_call_ends_at_once_as_cancelled_and_is_not_retried) {
  // The agent cancels a heartbeat or visibility request when the script ends; the caller must
  // neither retry it nor wait for the answer, however it was told to treat cancellation.
  emu->create_queue("q");
  emu->add_fault({"GetQueueAttributes", 1, 0, "", "", 2000ms, false, false, std::nullopt});
  auto q = sqs("q");
  net::cancellation_signal stop;
  net::steady_timer soon(ioc, 50ms);
  soon.async_wait([&](auto) { stop.emit(net::cancellation_type::terminal); });
  const auto before = call->attempts();
  const auto start = std::chrono::steady_clock::now();
  auto cancelled_call = [&]() -> net::awaitable<outcome<std::map<std::string, std::string>>> {
    co_return co_await net::co_spawn(co_await net::this_coro::executor, q.get_attributes(),
                                     net::bind_cancellation_slot(stop.slot(), net::use_awaitable));
  };
  auto r = run(cancelled_call());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::cancelled)) << r.error().message();
  EXPECT_NE(r.error().message().find("GetQueueAttributes"), std::string::npos) << r.error().message();
  EXPECT_EQ(call->attempts() - before, 1u) << "not retried";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms) << "the 2 s answer was not awaited";
  EXPECT_TRUE(run(q.get_attributes())) << "the next call opens a fresh connection and succeeds";
}

TEST_F(clients, a_wrong_secret_key_surfaces_signature_does_not_match) {
  emu->create_queue("q");
  vars["AWS_SECRET_ACCESS_KEY"] = "definitely-not-the-secret";
  rebuild();
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "SignatureDoesNotMatch");
  const auto m = r.error().message();
  EXPECT_NE(m.find("SQS GetQueueAttributes at " + emu->url()), std::string::npos) << m;
  EXPECT_NE(m.find("signature we calculated does not match"), std::string::npos) << m;
  EXPECT_EQ(m.find("definitely-not-the-secret"), std::string::npos) << "the secret never appears";
  EXPECT_EQ(emu->calls("GetQueueAttributes").size(), 1u) << "not retried";
}

TEST_F(clients, an_unknown_key_is_invalid_client_token_id) {
  emu->create_queue("q");
  vars["AWS_ACCESS_KEY_ID"] = "AKIDUNKNOWN";
  rebuild();
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().aws_code, "InvalidClientTokenId");
}


TEST_F(clients, a_missing_ca_bundle_is_a_clear_error) {
  emu->create_queue("q");
  vars["AWS_CA_BUNDLE"] = (dir / "no-such-bundle.pem").string();
  rebuild();
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::tls_failed));
  EXPECT_NE(r.error().message().find("no-such-bundle.pem does not exist"), std::string::npos) << r.error().message();

  vars.erase("AWS_CA_BUNDLE");
  http::client_config cfg;
  cfg.env = env();
  cfg.path_exists = [](const std::string&, bool) { return false; };
  http::client bare(ioc.get_executor(), cfg);
  auto ep = http::parse_endpoint(emu->url()).value();
  auto r2 = run(bare.send(ep, http::string_request{http::bhttp::verb::get, "/", 11}, {}));
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message().find("/etc/pki/tls/certs/ca-bundle.crt"), std::string::npos) << r2.error().message();
}

TEST_F(clients, a_hashed_ca_directory_verifies_the_server_and_must_hold_its_ca) {
  auto other = emulator::make_test_pki((dir / "other").string()).value();
  emu->create_queue("q");
  vars.erase("AWS_CA_BUNDLE");
  vars["SSL_CERT_DIR"] = (dir / "only-other").string();
  ASSERT_TRUE(emulator::add_to_hashed_dir(other.ca_cert, (dir / "only-other").string()));
  rebuild();
  auto refused = run(sqs("q").get_attributes());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(errc::tls_failed)) << refused.error().message();

  vars["SSL_CERT_DIR"] = (dir / "both").string();
  ASSERT_TRUE(emulator::add_to_hashed_dir(other.ca_cert, (dir / "both").string()));
  ASSERT_TRUE(emulator::add_to_hashed_dir(pki.ca_cert, (dir / "both").string())) << "the same subject: .1";
  rebuild();
  auto r = run(sqs("q").get_attributes());
  EXPECT_TRUE(r) << r.error().message();
}

TEST_F(clients, a_certificate_from_another_ca_is_refused) {
  auto other = emulator::make_test_pki((dir / "other").string()).value();
  vars["AWS_CA_BUNDLE"] = other.ca_cert;
  rebuild();
  emu->create_queue("q");
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::tls_failed));
  EXPECT_NE(r.error().message().find("certificate"), std::string::npos) << r.error().message();
  EXPECT_TRUE(emu->calls().empty()) << "nothing reached the server";
}

TEST_F(clients, https_proxy_is_used_with_basic_auth_and_bypassed_for_imds_and_no_proxy) {
  test::connect_proxy proxy(ioc.get_executor());
  emu->create_queue("q");
  emu->set_imds_identity("i-0abc", "role");
  vars["HTTPS_PROXY"] = "http://ops:s%3Acret@127.0.0.1:" + std::to_string(proxy.port());
  rebuild();
  ASSERT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(proxy.tunnels(), 1);
  ASSERT_FALSE(proxy.targets().empty());
  EXPECT_EQ(proxy.targets()[0], "127.0.0.1:" + std::to_string(emu->port()));
  EXPECT_EQ(proxy.last_authorization(), "Basic b3BzOnM6Y3JldA==") << "user ops, password s:cret";

  // The metadata service is link-local: never through the proxy, whatever the variables say.
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = emu->url();
  imds_client imds(*http_client, imds_config_from_env(env()).value());
  ASSERT_TRUE(run(imds.instance_id()));
  EXPECT_EQ(proxy.tunnels(), 1);

  vars["NO_PROXY"] = "example.com, 127.0.0.1";
  rebuild();
  ASSERT_TRUE(run(sqs("q").get_attributes()));
  EXPECT_EQ(proxy.tunnels(), 1) << "NO_PROXY matched the endpoint";
}

TEST_F(clients, a_proxy_that_refuses_is_reported) {
  vars["HTTPS_PROXY"] = "http://127.0.0.1:1"; // nothing listens on port 1
  rebuild();
  emu->create_queue("q");
  auto r = run(sqs("q").get_attributes());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("via proxy"), std::string::npos) << r.error().message();
}

TEST_F(clients, s3_bucket_in_another_region_names_that_region) {
  emu->put_object("far-bucket", "k", "x");
  emu->set_bucket_region("far-bucket", "ap-southeast-2");
  s3_client s3(*call, endpoint(service::s3));
  auto r = run(s3.get_object_to_file({"far-bucket", "k"}, (dir / "f").string()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 301u);
  EXPECT_NE(r.error().message().find("ap-southeast-2"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("another region"), std::string::npos) << r.error().message();
}

TEST_F(clients, oversized_bodies_are_refused_not_buffered) {
  emu->create_queue("q");
  emu->send_message("q", std::string(200000, 'x'));
  aws_request req;
  req.svc = service::sqs;
  req.operation = "ReceiveMessage";
  req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS.ReceiveMessage"}};
  req.body = sqs_receive_body(emu->queue_url("q"), 1, 0, std::nullopt);
  http::string_request raw{http::bhttp::verb::get, "/", 11};
  http::request_options small;
  small.body_limit = 1024;
  // Through the HTTP client directly: the caller's default limit (8 MiB) is generous on purpose.
  auto ep = http::parse_endpoint(emu->url()).value();
  auto ctl = run(http_client->send(ep, http::string_request{http::bhttp::verb::get, "/_emulator/state", 11}, small));
  ASSERT_TRUE(ctl);
  http::string_request big{http::bhttp::verb::post, "/_emulator/get-object", 11};
  emu->put_object("b", "big", std::string(100000, 'y'));
  big.body() = R"({"bucket":"b","key":"big"})";
  auto r = run(http_client->send(ep, big, small));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, make_error_code(errc::too_large));
}


/// Answers every A query with 127.0.0.1 and counts the queries; AAAA gets no records.
struct fake_nameserver {
  net::ip::udp::socket sock;
  int queries = 0;
  explicit fake_nameserver(net::io_context& ioc) : sock(ioc, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)) { serve(); }
  std::uint16_t port() const { return sock.local_endpoint().port(); }
  std::array<char, 512> buf{};
  net::ip::udp::endpoint peer;
  void serve() {
    sock.async_receive_from(net::buffer(buf), peer, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      ++queries;
      std::string q(buf.data(), n), a = q;
      a[2] = static_cast<char>(0x81);
      a[3] = static_cast<char>(0x80);
      const bool type_a = q[n - 3] == 1;
      a[7] = type_a ? 1 : 0; // ANCOUNT
      if (type_a) a += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", 16);
      sock.send_to(net::buffer(a), peer);
      serve();
    });
  }
};

TEST_F(clients, names_getaddrinfo_cannot_resolve_come_from_the_hosts_file_then_dns) {
  emu->create_queue("q");
  const auto hosts = (dir / "hosts").string();
  std::ofstream(hosts) << "# test\n127.0.0.1 emu.test\n";
  vars["AWS_ENDPOINT_URL"] = "https://emu.test:" + std::to_string(emu->port());
  auto with_resolver = [&](http::resolver_files files) {
    http::client_config cfg;
    cfg.env = env();
    cfg.resolver = files;
    http_client = std::make_unique<http::client>(ioc.get_executor(), cfg);
    rebuild({}, /*keep_http=*/true);
  };
  with_resolver({hosts, (dir / "no-resolv.conf").string(), 53});
  auto r = run(sqs_client(*call, endpoint(service::sqs), emu->queue_url("q")).get_attributes());
  ASSERT_TRUE(r) << r.error().message();

  fake_nameserver dns(ioc);
  const auto resolv = (dir / "resolv.conf").string();
  std::ofstream(resolv) << "nameserver 127.0.0.1\n";
  with_resolver({(dir / "empty-hosts").string(), resolv, dns.port()});
  auto viadns = run(sqs_client(*call, endpoint(service::sqs), emu->queue_url("q")).get_attributes());
  ASSERT_TRUE(viadns) << viadns.error().message();
  EXPECT_GE(dns.queries, 1);

  with_resolver({(dir / "empty-hosts").string(), (dir / "empty-resolv").string(), 1});
  auto none = run(sqs_client(*call, endpoint(service::sqs), emu->queue_url("q")).get_attributes());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("cannot resolve emu.test"), std::string::npos) << none.error().message();
}


/// Before the true answer (127.0.0.1) it sends three forgeries claiming 10.9.9.9: one from
/// another port, one with another id, one for another name.
struct spoofing_nameserver {
  net::ip::udp::socket sock, other;
  std::array<char, 512> buf{};
  net::ip::udp::endpoint peer;
  explicit spoofing_nameserver(net::io_context& ioc)
      : sock(ioc, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        other(ioc, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    serve();
  }
  std::uint16_t port() const { return sock.local_endpoint().port(); }
  static std::string answer(std::string q, const char* addr) {
    q[2] = static_cast<char>(0x81);
    q[3] = static_cast<char>(0x80);
    const bool type_a = q[q.size() - 3] == 1;
    q[7] = type_a ? 1 : 0;
    if (type_a) q += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04", 12) + std::string(addr, 4);
    return q;
  }
  void serve() {
    sock.async_receive_from(net::buffer(buf), peer, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      const std::string q(buf.data(), n);
      const char forged[] = "\x0a\x09\x09\x09", real[] = "\x7f\x00\x00\x01";
      other.send_to(net::buffer(answer(q, forged)), peer); // not the server asked
      auto wrong_id = answer(q, forged);
      wrong_id[1] = static_cast<char>(wrong_id[1] ^ 0x5a);
      sock.send_to(net::buffer(wrong_id), peer);
      auto wrong_name = answer(q, forged);
      wrong_name[13] = static_cast<char>(wrong_name[13] ^ 0x01); // first letter of the question name
      sock.send_to(net::buffer(wrong_name), peer);
      sock.send_to(net::buffer(answer(q, real)), peer);
      serve();
    });
  }
};

TEST_F(clients, dns_fallback_takes_only_the_answer_of_the_server_asked_to_the_question_asked) {
  spoofing_nameserver dns(ioc);
  const auto resolv = (dir / "resolv.conf").string();
  std::ofstream(resolv) << "nameserver 127.0.0.1\n";
  const http::resolver_files files{(dir / "empty-hosts").string(), resolv, dns.port()};
  auto r = run(http::fallback_resolve(ioc.get_executor(), "emu.test", files, std::chrono::steady_clock::now() + 5s));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, std::vector<std::string>{"127.0.0.1"}) << "a forged answer was taken";
}

} // namespace
