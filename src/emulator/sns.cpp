// SPDX-License-Identifier: Apache-2.0
// SNS: Publish only (what hookd's notifications use), on topics the test creates. The signature
// is verified before this runs, like every other service's (server.cpp: authenticate).
#include "impl.hpp"

namespace hookd::emulator {

namespace {
constexpr std::string_view sns_xmlns = "http://sns.amazonaws.com/doc/2010-03-31/";
// SNS's own limits on Publish.
constexpr std::size_t max_message = 256 * 1024;
constexpr std::size_t max_subject = 99;
} // namespace

reply server::impl::sns(const std::string& action, const std::map<std::string, std::string>& p) {
  auto get = [&](const std::string& k) {
    auto it = p.find(k);
    return it == p.end() ? std::string() : it->second;
  };
  if (get("Version") != "2010-03-31") return query_error(400, "InvalidAction", "Version must be 2010-03-31");
  if (action != "Publish") return query_error(400, "InvalidAction", "The action " + action + " is not valid for this endpoint");
  const auto arn = get("TopicArn");
  auto topic = topics.find(arn);
  if (topic == topics.end()) return query_error(404, "NotFound", "Topic does not exist");
  if (topic->second.denied) return query_error(403, "AuthorizationError", "User is not authorized to perform: SNS:Publish on resource: " + arn);
  const auto message = get("Message");
  if (message.empty()) return query_error(400, "InvalidParameter", "Invalid parameter: Empty message");
  if (message.size() > max_message) return query_error(400, "InvalidParameter", "Invalid parameter: Message too long");
  const auto subject = get("Subject");
  for (char c : subject)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return query_error(400, "InvalidParameter", "Invalid parameter: Subject");
  if (subject.size() > max_subject) return query_error(400, "InvalidParameter", "Invalid parameter: Subject");
  const auto id = uuid();
  topic->second.published.push_back({id, message, subject});
  return reply{200,
               "<PublishResponse xmlns=\"" + std::string(sns_xmlns) + "\"><PublishResult><MessageId>" + id +
                   "</MessageId></PublishResult><ResponseMetadata><RequestId>" + uuid() +
                   "</RequestId></ResponseMetadata></PublishResponse>",
               "text/xml"};
}

std::string server::create_topic(const std::string& name, bool publish_denied) {
  const auto arn = "arn:aws:sns:" + impl_->opt.region + ":" + impl_->opt.account_id + ":" + name;
  impl_->topics[arn].denied = publish_denied;
  return arn;
}

std::vector<published_message> server::published(const std::string& topic_arn) const {
  auto it = impl_->topics.find(topic_arn);
  return it == impl_->topics.end() ? std::vector<published_message>{} : it->second.published;
}

} // namespace hookd::emulator
