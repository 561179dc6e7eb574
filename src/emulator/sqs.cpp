// SPDX-License-Identifier: Apache-2.0
#include "impl.hpp"

#include <algorithm>

namespace hookd::emulator {

std::string server::impl::enqueue(const std::string& queue, std::string body) {
  auto& q = queues.at(queue);
  message_rec m;
  m.id = uuid();
  m.md5 = md5_hex(body);
  m.body = std::move(body);
  m.sent = now();
  m.visible_at = steady::now();
  m.sent_steady = m.visible_at;
  q.msgs.push_back(std::move(m));
  poke(q);
  return q.msgs.back().id;
}

net::awaitable<reply> server::impl::sqs(const std::string& op, const json::object& body, const std::string& key_id,
                                       const alive_fn& alive) {
  const auto url = string_field(body, "QueueUrl");
  auto* q = find_queue_by_url(url);
  if (!q)
    co_return sqs_error(400, "QueueDoesNotExist", "The specified queue does not exist.",
                        "AWS.SimpleQueueService.NonExistentQueue");
  if (op == "ReceiveMessage") co_return co_await receive(*q, body, key_id, alive);
  if (op == "DeleteMessage") {
    auto it = find_handle(*q, string_field(body, "ReceiptHandle"));
    if (it == q->msgs.end())
      co_return sqs_error(400, "ReceiptHandleIsInvalid", "The input receipt handle is invalid.");
    remove_message(*q, it, key_id);
    co_return reply{200, "{}"};
  }
  if (op == "ChangeMessageVisibility") {
    const auto vis = json_int(body, "VisibilityTimeout");
    if (!vis || *vis < 0 || *vis > 43200)
      co_return sqs_error(400, "InvalidParameterValue", "VisibilityTimeout must be 0 to 43200 seconds");
    auto it = find_handle(*q, string_field(body, "ReceiptHandle"));
    if (it == q->msgs.end()) co_return sqs_error(400, "ReceiptHandleIsInvalid", "The input receipt handle is invalid.");
    if (it->visible_at <= steady::now())
      co_return sqs_error(400, "MessageNotInflight", "The message referred to is not in flight.",
                          "AWS.SimpleQueueService.MessageNotInflight");
    set_visibility(*it, *vis, key_id);
    poke(*q);
    co_return reply{200, "{}"};
  }
  if (op == "DeleteMessageBatch" || op == "ChangeMessageVisibilityBatch") co_return batch(*q, op, body, key_id);
  if (op == "GetQueueAttributes") {
    json::object attrs;
    std::size_t visible = 0, inflight = 0;
    for (const auto& m : q->msgs) (m.visible_at <= steady::now() ? visible : inflight)++;
    attrs["ApproximateNumberOfMessages"] = std::to_string(visible);
    attrs["ApproximateNumberOfMessagesNotVisible"] = std::to_string(inflight);
    attrs["VisibilityTimeout"] = std::to_string(q->visibility);
    attrs["QueueArn"] = arn_of(q->name);
    attrs["MessageRetentionPeriod"] = "345600";
    attrs["ReceiveMessageWaitTimeSeconds"] = "0";
    for (const auto& [k, v] : q->attrs) attrs[k] = v;
    co_return reply{200, json::serialize(json::object{{"Attributes", attrs}})};
  }
  if (op == "SendMessage") {
    const auto id = enqueue(q->name, string_field(body, "MessageBody"));
    co_return reply{200, json::serialize(json::object{{"MessageId", id}, {"MD5OfMessageBody", md5_hex(string_field(body, "MessageBody"))}})};
  }
  co_return sqs_error(400, "InvalidAction", "The action " + op + " is not valid for this endpoint.");
}

std::deque<server::impl::message_rec>::iterator server::impl::find_handle(queue_rec& q, const std::string& handle) {
  return std::find_if(q.msgs.begin(), q.msgs.end(), [&](const message_rec& m) { return !handle.empty() && m.handle == handle; });
}

void server::impl::wake_waiters(queue_rec& q) {
  // As SQS does: a message that becomes visible is handed to a waiting long poll at once. Only as
  // many polls as there are visible messages wake, picked at random, so 200 idle polls do not
  // stampede for one message.
  const auto t = steady::now();
  const auto visible = static_cast<std::size_t>(
      std::count_if(q.msgs.begin(), q.msgs.end(), [&](const message_rec& m) { return m.visible_at <= t; }));
  if (visible == 0 || q.waiters.empty()) return;
  std::vector<net::steady_timer*> pick(q.waiters.begin(), q.waiters.end());
  std::shuffle(pick.begin(), pick.end(), rng);
  for (std::size_t i = 0; i < std::min(visible, pick.size()); ++i) pick[i]->cancel();
}

void server::impl::poke(queue_rec& q) {
  wake_waiters(q);
  if (q.notify) q.notify->cancel(); // the watcher re-arms for the next message to turn visible
}

net::awaitable<void> server::impl::watch_visibility(queue_rec& q) {
  auto self = shared_from_this();
  while (!stopped) {
    const auto t = steady::now();
    auto next = t + std::chrono::hours(1);
    for (const auto& m : q.msgs)
      if (m.visible_at > t) next = std::min(next, m.visible_at);
    q.notify->expires_at(next);
    auto [ec] = co_await q.notify->async_wait(nothrow);
    if (stopped) co_return;
    if (!ec) wake_waiters(q); // a hold ran out: that message is visible now
  }
}

json::array server::impl::take(queue_rec& q, long long max, long long vis, const std::string& key_id) {
  json::array out;
  const auto t = steady::now();
  std::vector<message_rec*> ready;
  std::size_t inflight = 0;
  for (auto& m : q.msgs) (m.visible_at <= t ? ready.push_back(&m) : void(++inflight));
  // At the in-flight limit SQS answers a receive with nothing, and says nothing about why.
  if (inflight >= q.inflight_limit) return out;
  if (q.shuffled) std::shuffle(ready.begin(), ready.end(), rng);
  for (auto* m : ready) {
    if (static_cast<long long>(out.size()) >= max || inflight >= q.inflight_limit) break;
    ++inflight;
    ++m->receive_count;
    m->handle = random_hex(24) + "-" + std::to_string(m->receive_count);
    m->visible_at = t + std::chrono::seconds(vis);
    m->events.push_back({t, key_id, message_event::received, static_cast<int>(vis)});
    json::object attrs{{"ApproximateReceiveCount", std::to_string(m->receive_count)},
                       {"SentTimestamp", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                            m->sent.time_since_epoch())
                                                            .count())}};
    out.push_back(json::object{{"MessageId", m->id},
                               {"ReceiptHandle", m->handle},
                               {"MD5OfBody", m->md5},
                               {"Body", m->body},
                               {"Attributes", attrs}});
  }
  return out;
}

net::awaitable<reply> server::impl::receive(queue_rec& q, const json::object& body, const std::string& key_id,
                                           const alive_fn& alive) {
  const auto max = json_int(body, "MaxNumberOfMessages").value_or(1);
  const auto wait = json_int(body, "WaitTimeSeconds").value_or(0);
  const auto vis = json_int(body, "VisibilityTimeout").value_or(q.visibility);
  if (max < 1 || max > 10)
    co_return sqs_error(400, "InvalidParameterValue", "Value " + std::to_string(max) +
                                                          " for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.");
  if (wait < 0 || wait > 20)
    co_return sqs_error(400, "InvalidParameterValue", "Value for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20.");
  const auto deadline = steady::now() + std::chrono::seconds(wait);
  auto self = shared_from_this();
  for (;;) {
    if (!alive()) {
      wake_waiters(q); // it was woken for a message it will not take: pass the turn on
      co_return reply{200, "{}"};
    }
    auto out = take(q, max, vis, key_id);
    if (!out.empty() || steady::now() >= deadline || stopped) {
      json::object res;
      const auto n = static_cast<int>(out.size());
      if (!out.empty()) res["Messages"] = std::move(out);
      reply r{200, json::serialize(res)};
      r.messages = n;
      co_return r;
    }
    // Each long poll waits on a timer of its own: wake_waiters() cancels it when a message turns up.
    net::steady_timer waiter(ex, deadline);
    q.waiters.push_back(&waiter);
    co_await waiter.async_wait(nothrow);
    q.waiters.erase(std::find(q.waiters.begin(), q.waiters.end(), &waiter));
  }
}

void server::impl::remove_message(queue_rec& q, std::deque<message_rec>::iterator it, const std::string& key_id) {
  it->events.push_back({steady::now(), key_id, message_event::deleted, 0});
  q.gone.push_back(message_history{it->id, it->body, it->sent_steady, std::move(it->events), true});
  q.msgs.erase(it);
}

void server::impl::set_visibility(message_rec& m, long long vis, const std::string& key_id) {
  const auto t = steady::now();
  m.visible_at = t + std::chrono::seconds(vis);
  m.events.push_back({t, key_id, message_event::released, static_cast<int>(vis)});
}

reply server::impl::batch(queue_rec& q, const std::string& op, const json::object& body, const std::string& key_id) {
  const auto* entries = body.if_contains("Entries");
  if (!entries || !entries->is_array() || entries->as_array().empty())
    return sqs_error(400, "EmptyBatchRequest", "There should be at least one entry in the request.",
                     "AWS.SimpleQueueService.EmptyBatchRequest");
  const auto& arr = entries->as_array();
  if (arr.size() > 10)
    return sqs_error(400, "TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10.",
                     "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
  std::set<std::string> ids;
  for (const auto& e : arr) {
    const auto id = e.is_object() ? string_field(e.as_object(), "Id") : std::string();
    if (!ids.insert(id).second)
      return sqs_error(400, "BatchEntryIdsNotDistinct", "Id " + id + " repeated.",
                       "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
  }
  json::array ok, failed;
  for (const auto& e : arr) {
    const auto& o = e.as_object();
    const auto id = string_field(o, "Id");
    auto it = find_handle(q, string_field(o, "ReceiptHandle"));
    if (it == q.msgs.end()) {
      failed.push_back(json::object{{"Id", id}, {"SenderFault", true}, {"Code", "ReceiptHandleIsInvalid"},
                                    {"Message", "The input receipt handle is invalid."}});
      continue;
    }
    if (op == "DeleteMessageBatch") {
      remove_message(q, it, key_id);
    } else {
      const auto vis = json_int(o, "VisibilityTimeout").value_or(-1);
      if (vis < 0 || vis > 43200) {
        failed.push_back(json::object{{"Id", id}, {"SenderFault", true}, {"Code", "InvalidParameterValue"},
                                      {"Message", "VisibilityTimeout must be 0 to 43200 seconds"}});
        continue;
      }
      if (it->visible_at <= steady::now()) {
        failed.push_back(json::object{{"Id", id}, {"SenderFault", true}, {"Code", "MessageNotInflight"},
                                      {"Message", "The message referred to is not in flight."}});
        continue;
      }
      set_visibility(*it, vis, key_id);
    }
    ok.push_back(json::object{{"Id", id}});
  }
  poke(q);
  return reply{200, json::serialize(json::object{{"Successful", ok}, {"Failed", failed}})};
}

} // namespace hookd::emulator
