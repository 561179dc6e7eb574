// SPDX-License-Identifier: Apache-2.0
// Which leg a queue action is (issue 26). A message's Origin and Destination are anyone's text,
// and its token is confirmed by Auto Scaling, but not its Destination: a copy of a live message
// with Destination WarmPool would otherwise swap the launch script for --warm-script and skip the
// readiness gate. Where that choice matters, the group's record of the instance decides.
#include "hookd/agent/agent.hpp"

namespace hookd::agent {
namespace net = boost::asio;

net::awaitable<void> agent::check_leg(lifecycle::lifecycle_action& a) {
  const bool matters = !s_.script.on_warm.empty() || (s_.ready.any() && a.transition == lifecycle::transition::launch);
  if (a.by_instance() || !matters) co_return; // metadata's leg is the instance's own word
  auto inst = co_await asg_.describe_instance(a.instance_id);
  if (!inst || !*inst) {
    // Unknown: the message's word stands (its token is confirmed beside this). Logged, so an
    // operator sees which leg was taken on whose word.
    log_.warn("leg-unverified", {{"token", a.token}, {"destination", a.destination.empty() ? "(none)" : a.destination},
                                 {"why", inst ? "the group does not list the instance" : inst.error().message()},
                                 {"what", "the notification's Destination is used"}});
    co_return;
  }
  const auto destination = lifecycle::destination_of_state((*inst)->lifecycle_state);
  if (destination.empty() || destination == a.destination) co_return;
  if (!a.destination.empty() || destination == lifecycle::warm_pool)
    log_.warn("leg-corrected", {{"token", a.token}, {"notification", a.destination.empty() ? "(none)" : a.destination},
                                {"group_state", (*inst)->lifecycle_state}, {"destination", destination},
                                {"what", "Auto Scaling's record of the instance decides the leg, not the message"}});
  a.destination = destination;
}

net::awaitable<std::optional<std::string>> agent::leg_script(lifecycle::lifecycle_action& a, std::string& why) {
  co_await check_leg(a);
  co_return co_await fetch_script(s_.script, a, {}, &s3_, log_, why);
}

} // namespace hookd::agent
