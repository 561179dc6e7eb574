// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/document.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::notify;
namespace json = boost::json;

namespace {
agent::event completed() {
  agent::event e;
  e.kind = agent::event_kind::action_completed;
  e.instance = "i-0abc";
  e.group = "web";
  e.hook = "drain";
  e.transition = "terminate";
  e.trigger = "queue";
  e.token = "c6a5c0a2-0f8b-4a41-a5e7-2f6a1c9d7e10";
  e.result = "CONTINUE";
  e.detail = "completed; script: exit 0";
  e.duration = std::chrono::milliseconds(12000);
  return e;
}
} // namespace

TEST(notify_document, the_text_line_says_who_what_and_how_it_ended) {
  EXPECT_EQ(text_line(completed()),
            "hookd on i-0abc (group web): terminate action of hook drain completed: CONTINUE after 12s (completed; script: exit 0)");
  auto f = completed();
  f.kind = agent::event_kind::failure;
  f.detail = "the script could not be fetched: AccessDenied";
  EXPECT_EQ(text_line(f), "hookd on i-0abc (group web): FAILED: terminate action of hook drain: the script could not be fetched: AccessDenied");
  auto d = completed();
  d.kind = agent::event_kind::drain_result;
  d.detail = "target group web-tg: deregistered";
  d.duration.reset();
  EXPECT_EQ(text_line(d), "hookd on i-0abc (group web): drain: target group web-tg: deregistered");
}

TEST(notify_document, carries_text_event_id_time_and_only_the_fields_set) {
  const auto at = hookd::sys_time(std::chrono::seconds(1700000000));
  auto doc = json::parse(document_json(completed(), "i-0abc-1-7", at)).as_object();
  EXPECT_EQ(doc.at("text").as_string(), text_line(completed()));
  EXPECT_EQ(doc.at("event").as_string(), "action_completed");
  EXPECT_EQ(doc.at("id").as_string(), "i-0abc-1-7");
  EXPECT_EQ(doc.at("time").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(doc.at("result").as_string(), "CONTINUE");
  EXPECT_EQ(doc.at("token").as_string(), "c6a5c0a2-0f8b-4a41-a5e7-2f6a1c9d7e10");
  EXPECT_EQ(doc.at("duration_ms").as_int64(), 12000);
  auto bare = agent::event{};
  bare.kind = agent::event_kind::action_received;
  bare.instance = "i-0abc";
  auto b = json::parse(document_json(bare, "x", at)).as_object();
  EXPECT_FALSE(b.contains("token")) << "an action by instance id has no token";
  EXPECT_FALSE(b.contains("duration_ms"));
  EXPECT_FALSE(b.contains("hook"));
}

TEST(notify_document, a_hostile_hook_name_stays_inside_its_json_string) {
  auto e = completed();
  e.hook = "x\"}\n{\"text\":\"forged";
  auto doc = json::parse(document_json(e, "id", hookd::sys_time{})).as_object();
  EXPECT_EQ(doc.at("hook").as_string(), e.hook);
  EXPECT_EQ(doc.size(), 13u) << "text, event, id, time, the eight fields and duration_ms: nothing injected";
}

TEST(notify_document, the_sns_subject_is_printable_ascii_under_100_characters) {
  auto e = completed();
  e.hook = std::string(200, 'h') + "\n\xc3\xa9";
  const auto s = sns_subject(e);
  EXPECT_LT(s.size(), 100u);
  EXPECT_EQ(s.rfind("hookd: action_completed on i-0abc (hook hhh", 0), 0u);
  for (char c : s) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
}
