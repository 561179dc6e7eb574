#pragma once
// SPDX-License-Identifier: Apache-2.0
// An event as the notification document webhooks and SNS receive: one JSON object with a
// top-level `text` line (Slack, Chime and Teams incoming webhooks show it as is) and the
// structured fields beside it. Pure.
#include "hookd/agent/events.hpp"
#include "hookd/core/time.hpp"

#include <string>

namespace hookd::notify {

/// The one line a chat shows: "hookd on i-0abc (group web): terminate action of hook drain
/// completed: CONTINUE after 12s (exit 0)".
std::string text_line(const agent::event& e);

/// The JSON document: `text`, `event`, `id` (the same on every retry of one delivery, so a
/// receiver can drop a duplicate), `time`, and each field of `e` that is set (`duration_ms` for
/// the duration). Header values and AWS keys are never part of an event, so never of this.
std::string document_json(const agent::event& e, const std::string& id, sys_time at);

/// SNS's Subject (used by e-mail subscriptions): printable ASCII only, no line breaks, under 100
/// characters, as SNS requires.
std::string sns_subject(const agent::event& e);

} // namespace hookd::notify
