#pragma once
// SPDX-License-Identifier: Apache-2.0
// What a failed confirming heartbeat means, and until when each kind of failure is tried again.
// Pure: the clocks and the hook's timeouts are passed in (confirm.cpp does the calls).
//
// Only Auto Scaling's answer about the action may refuse it: "no active action" once the confirm
// window has passed, or a malformed token at once. Anything else (AccessDenied while a policy is
// edited, throttling, 5xx, a network failure) says nothing about the action, and is tried again
// for as long as the action itself can live (issue 24: one 403 deleted a live action's message).
#include "hookd/aws/autoscaling.hpp"
#include "hookd/core/time.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace hookd::agent {

enum class confirm_step {
  retry,   ///< try again after a pause
  refuse,  ///< Auto Scaling has no such action of this instance: the message is deleted, nothing run
  give_up, ///< the action's own time is over without an answer: its message is put back, not deleted
};

struct confirm_deadlines {
  std::chrono::steady_clock::time_point window_end; ///< "no active action" is final from here
  std::chrono::steady_clock::time_point action_end; ///< other errors are final from here
};

/// The confirm window counts from SQS's SentTimestamp (`sent`, AWS's clock, which the sender cannot
/// write; `aws_now` is our clock corrected to AWS's), so a message put back and taken again gets no
/// new window: a forged one is refused at its first answer once it is older than the window. A
/// journal entry (`resumed`) has none: its action was live before. The action's own end is its
/// heartbeat timeout after it was sent (`sent`, else the notification's Time, else now), never past
/// the hook's global timeout; for a journal entry, whose heartbeats we no longer know, the latter.
inline confirm_deadlines confirm_deadlines_for(std::chrono::steady_clock::time_point now, sys_time aws_now,
                                               std::optional<sys_time> sent, std::optional<sys_time> notified, bool resumed,
                                               std::chrono::milliseconds window, std::chrono::seconds heartbeat_timeout,
                                               std::chrono::steady_clock::time_point global_deadline) {
  if (resumed) return {now, global_deadline};
  const auto since = sent ? sent : notified;
  const auto age = since ? std::max(std::chrono::duration_cast<std::chrono::milliseconds>(aws_now - *since), std::chrono::milliseconds(0))
                         : std::chrono::milliseconds(0);
  const auto window_left = std::max(window - (sent ? age : std::chrono::milliseconds(0)), std::chrono::milliseconds(0));
  const auto action_left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(heartbeat_timeout) - age,
                                    std::chrono::milliseconds(0));
  return {now + window_left, std::min(now + action_left, global_deadline)};
}

/// What a confirming call's error `e` means at `now`.
inline confirm_step after_failure(const error& e, std::chrono::steady_clock::time_point now, const confirm_deadlines& d) {
  if (aws::is_about_action(e)) {
    // "No active action" can precede the action's activation by a moment; a malformed token or
    // an unknown hook will not change.
    return aws::is_permanent(e) || now >= d.window_end ? confirm_step::refuse : confirm_step::retry;
  }
  return now >= d.action_end ? confirm_step::give_up : confirm_step::retry;
}

/// How long the message of an action put back (to make room, or on stop) stays invisible: the
/// receive's short `hold`, not 0 (a flood put back at 0 comes straight back, and another
/// instance's hookd would only release it again). One Auto Scaling has said "no active action" of
/// (`answered_over`) comes back a second after its window ends, when one answer settles it: back
/// sooner, ahead of the messages not yet asked about, it would cost each of them a first call
/// again and again, and hold a real action behind them. At most the window plus the hold.
inline int put_back_seconds(bool answered_over, std::chrono::steady_clock::time_point window_end,
                            std::chrono::steady_clock::time_point now, std::chrono::milliseconds window, int hold) {
  if (!answered_over) return hold;
  const auto left = std::chrono::ceil<std::chrono::seconds>(window_end - now).count() + 1;
  const auto most = std::chrono::ceil<std::chrono::seconds>(window).count() + hold;
  return static_cast<int>(std::clamp<long long>(left, hold, most));
}

} // namespace hookd::agent
