// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/sns.hpp"

#include "hookd/sigv4/canonical.hpp"

namespace hookd::aws {
namespace net = boost::asio;

std::string sns_publish_form(const std::string& topic_arn, const std::string& message, const std::string& subject) {
  std::string out = "Action=Publish&Version=2010-03-31&TopicArn=" + sigv4::uri_encode(topic_arn) +
                    "&Message=" + sigv4::uri_encode(message);
  if (!subject.empty()) out += "&Subject=" + sigv4::uri_encode(subject.substr(0, sns_max_subject));
  return out;
}

net::awaitable<outcome<std::string>> sns_client::publish(const std::string& topic_arn, const std::string& message,
                                                         const std::string& subject, std::chrono::milliseconds timeout) {
  if (message.size() > sns_max_message)
    co_return make_error(errc::too_large, "SNS Publish: the message is over SNS's 256 KiB limit");
  aws_request req;
  req.svc = service::sns;
  req.operation = "Publish";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = sns_publish_form(topic_arn, message, subject);
  req.proto = protocol::xml;
  req.timeout = timeout;
  req.body_limit = 64 * 1024;
  auto r = co_await caller_.call(ep_, std::move(req));
  if (!r) co_return r.error();
  const auto open = r->body.find("<MessageId>"), close = r->body.find("</MessageId>");
  if (open == std::string::npos || close == std::string::npos || close < open)
    co_return make_error(errc::protocol_error, "SNS Publish to " + topic_arn + ": no MessageId in the answer");
  co_return r->body.substr(open + 11, close - open - 11);
}

} // namespace hookd::aws
