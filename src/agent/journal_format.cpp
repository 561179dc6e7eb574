// SPDX-License-Identifier: Apache-2.0
// The journal's records and file names, written and read: no I/O (journal.cpp keeps the files).
#include "hookd/agent/journal.hpp"
#include "hookd/core/json.hpp"
#include "hookd/crypto/digest.hpp"

#include <boost/json.hpp>

#include <cctype>

namespace hookd::agent {
namespace json = boost::json;


// Tokens are UUIDs from AWS, but a file name must never be steered by message content, and two
// keys must never share one: every byte but [A-Za-z0-9-] is escaped as %XX (so the mapping is
// injective and no name has a dot), and a long key is named by its SHA-256 (a dot marks those).
std::string journal::file_name(const std::string& key) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out.size() <= max_plain_name ? out : "sha256." + crypto::sha256_hex(key);
}

bool journal::blank(std::string_view text) { return text.find_first_not_of(" \n") == std::string_view::npos; }

std::string journal::serialize(const journal_entry& e) {
  json::object o{{"token", e.action.token},
                 {"group", e.action.group},
                 {"hook", e.action.hook},
                 {"instance_id", e.action.instance_id},
                 {"transition", lifecycle::aws_name(e.action.transition)},
                 {"metadata", e.action.metadata},
                 {"trigger", e.action.trigger},
                 {"message_id", e.message_id},
                 {"receipt_handle", e.receipt_handle},
                 {"started", iso8601(e.started)},
                 {"resumes", e.resumes},
                 {"script_pgid", e.script_pgid},
                 {"script_start", e.script_start},
                 {"boot_id", e.boot_id},
                 {"source", e.action.by_instance() ? "instance" : "queue"},
                 {"target", e.action.target},
                 {"origin", e.action.origin},
                 {"destination", e.action.destination},
                 {"notice", e.action.notice}};
  if (e.action.time) o["time"] = iso8601(*e.action.time);
  return json::serialize(o);
}

outcome<journal_entry> journal::parse(std::string_view text) {
  const auto parsed = json_object(text);
  if (!parsed) return make_error(errc::invalid_input, "journal entry is not a JSON object");
  const auto& o = *parsed;
  auto str = [&](std::string_view k) { return string_field(o, k); };
  journal_entry e;
  e.action.token = str("token");
  e.action.group = str("group");
  e.action.hook = str("hook");
  e.action.instance_id = str("instance_id");
  const auto transition = lifecycle::parse_transition(str("transition"));
  if (!transition) return make_error(errc::invalid_input, "journal entry has no known transition");
  e.action.transition = *transition;
  e.action.metadata = str("metadata");
  e.action.shape = "journal";
  if (auto t = str("trigger"); !t.empty()) e.action.trigger = t;
  // The source is hookd's own record. Entries of hookd before it was written had only the
  // trigger, which hookd also set itself: "queue" for every message.
  const auto source = str("source");
  e.action.source = source == "instance" || (source.empty() && e.action.trigger != "queue") ? lifecycle::action_source::instance
                                                                                            : lifecycle::action_source::queue;
  e.action.target = str("target");
  // As the notification said them; a place AWS does not name reads as none, as it does there.
  if (auto p = str("origin"); lifecycle::known_place(p)) e.action.origin = p;
  if (auto p = str("destination"); lifecycle::known_place(p)) e.action.destination = p;
  if (const auto* n = o.if_contains("notice"); n && n->is_bool()) e.action.notice = n->as_bool();
  e.boot_id = str("boot_id");
  if (auto t = parse_iso8601(str("time")); t) e.action.time = *t;
  e.message_id = str("message_id");
  e.receipt_handle = str("receipt_handle");
  if (auto t = parse_iso8601(str("started")); t) e.started = *t;
  auto number = [&](std::string_view k) -> long long {
    const auto* p = o.if_contains(k);
    if (!p) return 0;
    if (p->is_int64()) return p->as_int64();
    if (p->is_uint64()) return static_cast<long long>(p->as_uint64());
    return 0;
  };
  e.resumes = static_cast<int>(std::clamp<long long>(number("resumes"), 0, 1000));
  e.script_pgid = static_cast<int>(std::clamp<long long>(number("script_pgid"), 0, 1 << 22)); // pid_max's ceiling
  e.script_start = static_cast<unsigned long long>(std::max<long long>(number("script_start"), 0));
  // An action by instance id may wait on no hook at all (a Spot notice in a group without one).
  if (e.action.token.empty() || e.action.group.empty() || (e.action.hook.empty() && !e.action.by_instance()))
    return make_error(errc::invalid_input, "journal entry lacks token, group or hook");
  return e;
}

} // namespace hookd::agent
