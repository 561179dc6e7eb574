// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/imds_source.hpp"
#include "hookd/agent/script.hpp"

#include "hookd/core/async.hpp"
#include "hookd/core/jitter.hpp"
#include "hookd/lifecycle/notices.hpp"
#include "hookd/lifecycle/notification.hpp"
#include "hookd/agent/transition_runs.hpp"

#include <boost/asio/co_spawn.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace hookd::agent {
namespace net = boost::asio;
using steady = std::chrono::steady_clock;

imds_source::imds_source(net::any_io_executor ex, const options& o, std::string instance_id, std::string group,
                         aws::imds_client& imds, aws::autoscaling_client& asg, action_sink& sink, logger& log, status_snapshot& status)
    : ex_(ex), o_(o), instance_id_(std::move(instance_id)), group_(std::move(group)), imds_(imds), asg_(asg), sink_(sink),
      log_(log), status_(status), timer_(ex), done_(ex) {}

void imds_source::start() {
  running_ = true;
  log_.info("imds-polling", {{"instance", instance_id_}, {"every", format_duration(o_.imds_poll)},
                             {"paths", "autoscaling/target-lifecycle-state spot/instance-action"},
                             {"notices_every", format_duration(std::max<std::chrono::milliseconds>(o_.imds_poll, advance_notice_interval))},
                             {"notices", "events/recommendations/rebalance events/maintenance/scheduled"}});
  net::co_spawn(ex_, loop(), [this](std::exception_ptr e) {
    log_escaped(log_, e, "imds source");
    running_ = false;
    done_.cancel();
  });
}

void imds_source::check_notices() {
  if (stopping_) return;
  ++checks_;
  net::co_spawn(ex_, [this]() -> net::awaitable<void> {
    co_await spot();
    co_await rebalance();
  }, [this](std::exception_ptr e) {
    log_escaped(log_, e, "imds notice check");
    if (--checks_ == 0) done_.cancel();
  });
}

net::awaitable<void> imds_source::stop() {
  stopping_ = true;
  timer_.cancel();
  while (running_ || checks_ > 0) {
    done_.expires_at(steady::time_point::max());
    co_await done_.async_wait(nothrow);
  }
}

net::awaitable<void> imds_source::loop() {
  while (!stopping_) {
    co_await target_state();
    if (!stopping_) co_await spot();
    if (!stopping_ && (!notices_read_ || steady::now() - *notices_read_ >= advance_notice_interval)) {
      notices_read_ = steady::now();
      co_await rebalance();
      if (!stopping_) co_await maintenance();
    }
    if (!stopping_ && steady::now() - hooks_read_ >= hooks_refresh_interval) co_await refresh_hooks();
    // Jittered: a fleet started together must not read IMDS (and then call Auto Scaling) together.
    timer_.expires_after(jittered(o_.imds_poll, 0.8, 1.2));
    if (!stopping_) co_await timer_.async_wait(nothrow);
  }
}

net::awaitable<std::optional<std::string>> imds_source::read(const char* path) {
  auto r = co_await imds_.get(path);
  if (o_.imds) { // a one-off check for a queue notice is no source of its own
    auto& st = status_.source("imds");
    const bool changed = !st.last_poll || (r && !st.last_ok) || st.last_error.empty() != bool(r);
    st.last_poll = std::chrono::system_clock::now();
    st.last_error = r ? "" : r.error().message();
    if (r) st.last_ok = st.last_poll;
    if (changed) sink_.status_changed();
  }
  if (!r) {
    if (!failing_) log_.warn("imds-poll-failed", {{"path", path}, {"error", r.error().message()}, {"what", "polling goes on"}});
    failing_ = true;
    co_return std::nullopt;
  }
  if (failing_) log_.info("imds-poll-recovered", {{"path", path}});
  failing_ = false;
  co_return std::move(*r);
}

net::awaitable<void> imds_source::refresh_hooks() {
  hooks_read_ = steady::now();
  auto hooks = co_await asg_.describe_lifecycle_hooks(group_);
  if (!hooks) {
    log_.warn("hooks-refresh-failed", {{"group", group_}, {"error", hooks.error().message()}, {"what", "the hooks read before are used"}});
    co_return;
  }
  log_.debug("hooks-refreshed", {{"group", group_}, {"hooks", std::to_string(hooks->size())}});
  sink_.hooks_read(std::move(*hooks));
}

net::awaitable<void> imds_source::act(instance_event ev) {
  const bool terminating = ev.transition == lifecycle::transition::terminate;
  // A leg into the warm pool runs --warm-script when it is set, else the transition's.
  const auto& leg_script = script_for(o_.script, ev.transition, lifecycle::leg_of_target(ev.transition, ev.target).second);
  if (leg_script.empty()) {
    if (logged_.insert("no-script:" + ev.trigger))
      log_.warn("no-script", {{"trigger", ev.trigger}, {"what", std::string("no --on-") + (terminating ? "terminate" : "launch") +
                                                                " script: nothing to run"}});
    co_return;
  }
  // A transition's hooks are read again first: one added since start-up must be completed too,
  // and a transition comes once or twice in an instance's life, so this costs one call each.
  if (!ev.notice && ev.trigger == "imds") co_await refresh_hooks();
  sink_.submit(std::move(ev));
}

net::awaitable<void> imds_source::target_state() {
  auto text = co_await read("autoscaling/target-lifecycle-state");
  if (!text || *text == last_state_) co_return; // 404 (no transition yet), a failure, or no change
  // A warm leg Auto Scaling could not name yet is asked about again after a pause, not every poll.
  if (*text == undecided_ && steady::now() < undecided_until_) co_return;
  const auto state = lifecycle::parse_target_state(*text);
  auto target = *text;
  while (!target.empty() && (target.back() == '\n' || target.back() == '\r' || target.back() == ' ')) target.pop_back();
  if (std::exchange(announced_, *text) != *text)
    log_.info("target-lifecycle-state", {{"state", target}, {"was", last_state_.empty() ? "(none)" : last_state_}});
  if (state != lifecycle::target_state::other) sink_.leg_changed(target);
  if (state == lifecycle::target_state::terminated) {
    // A named event, not a braced temporary inside co_await: GCC 12 destroys such temporaries twice.
    instance_event ev{lifecycle::transition::terminate, "imds", target, false, std::nullopt};
    co_await act(std::move(ev));
  } else if (state == lifecycle::target_state::in_service || state == lifecycle::target_state::warmed) {
    // InService (and a warm pool's state) is also the steady state of an instance long there:
    // only a group that still holds the instance on its way in means an action waits on us.
    // Into a warm pool from service is a scale-in (terminate); from anywhere else, a launch.
    auto t = state == lifecycle::target_state::warmed && last_state_ == "InService" ? lifecycle::transition::terminate
                                                                                    : lifecycle::transition::launch;
    auto inst = co_await asg_.describe_instance(instance_id_);
    if (!inst) {
      log_.warn("describe-instance-failed", {{"instance", instance_id_}, {"error", inst.error().message()}, {"what", "asked again next poll"}});
      co_return; // last_state_ unchanged: the next poll asks again
    }
    // A Warmed:* target first seen by this hookd (started, or restarted, while the instance waits
    // to enter the pool): from EC2 or back from service, metadata cannot say; Auto Scaling can.
    if (state == lifecycle::target_state::warmed && last_state_.empty() && *inst && (*inst)->lifecycle_state.starts_with("Warmed:Pending")) {
      auto probed = co_await warm_leg_transition((*inst)->lifecycle_state == "Warmed:Pending:Wait");
      if (!probed) { // last_state_ unchanged: asked again
        if (std::exchange(undecided_, *text) != *text)
          log_.info("warm-leg-undecided", {{"state", target}, {"group_state", (*inst)->lifecycle_state},
                                           {"what", "no action of our hooks waits yet; nothing runs until one does"}});
        // Within 10 s: the shortest heartbeat timeout (30 s) must leave the leg's run its time.
        undecided_until_ = steady::now() + std::min<std::chrono::milliseconds>(6 * o_.imds_poll, std::chrono::seconds(10));
        co_return;
      }
      t = *probed;
    }
    instance_event ev{t, "imds", target, false, std::nullopt};
    if (*inst && still_in_transition((*inst)->lifecycle_state, t, target)) co_await act(std::move(ev));
  } else if (state == lifecycle::target_state::other) {
    log_.warn("target-lifecycle-state-unknown", {{"state", target}, {"what", "not a state hookd knows; nothing done"}});
  }
  last_state_ = *text;
  undecided_.clear();
}

net::awaitable<std::optional<lifecycle::transition>> imds_source::warm_leg_transition(bool waiting) {
  // Before the wait state no action answers, and nothing yet proves which transition's hook holds
  // the instance (a leg no hook holds passes through Warmed:Pending too): not decided yet.
  if (!waiting) co_return std::nullopt;
  auto hooks = co_await asg_.describe_lifecycle_hooks(group_);
  if (!hooks) {
    log_.warn("warm-leg-unknown", {{"error", hooks.error().message()}, {"what", "asked again shortly"}});
    co_return std::nullopt;
  }
  // The wait state proves a hook of this leg's transition: among all of the group's hooks, ours
  // or not, a single kind names it.
  bool group_launch = false, group_terminate = false;
  std::vector<std::pair<std::string, lifecycle::transition>> ours;
  for (const auto& h : *hooks) {
    const auto t = h.transition == lifecycle::aws_name(lifecycle::transition::launch) ? lifecycle::transition::launch
                                                                                      : lifecycle::transition::terminate;
    (t == lifecycle::transition::launch ? group_launch : group_terminate) = true;
    if (o_.hooks.empty() || o_.hooks.count(h.name)) ours.emplace_back(h.name, t);
  }
  if (!group_launch && !group_terminate) co_return std::nullopt; // a wait state no listed hook explains
  if (!group_launch || !group_terminate) co_return group_launch ? lifecycle::transition::launch : lifecycle::transition::terminate;
  // Both kinds: a heartbeat by instance id is taken only by an action that waits, so one of our
  // own hooks taking it names the leg. None (the activation race, or a leg only another team's
  // hook holds, which is not ours to run): asked again while the instance waits.
  for (const auto& [name, t] : ours) {
    auto r = co_await asg_.record_heartbeat(group_, name, "", instance_id_);
    if (r) co_return t;
    if (!aws::is_no_active_action(r.error()))
      log_.warn("warm-leg-unknown", {{"hook", name}, {"error", r.error().message()}, {"what", "asked again shortly"}});
  }
  log_.debug("warm-leg-unknown", {{"what", "no action of ours waits yet; asked again shortly"}});
  co_return std::nullopt;
}

net::awaitable<void> imds_source::spot() {
  auto text = co_await read("spot/instance-action");
  if (!text || !logged_.insert("spot:" + *text)) co_return;
  auto n = lifecycle::parse_spot_notice(*text);
  if (!n) {
    log_.warn("spot-notice-unreadable", {{"error", n.error().message()}});
    co_return;
  }
  ++status_.notices["spot"];
  sink_.status_changed();
  const bool run = o_.on_spot_interruption == config::notice_action::script;
  log_.warn("spot-interruption", {{"action", n->action}, {"time", iso8601(n->time)},
                                  {"what", run ? (sink_.has_run(lifecycle::transition::terminate)
                                                      ? "the terminate script has already run or is running"
                                                      : "running the terminate script now, to end before that time")
                                               : "logged only (--on-spot-interruption log)"}});
  if (!run) co_return;
  instance_event ev{lifecycle::transition::terminate, "spot", "spot", false, n->time}; // named, as below
  co_await act(std::move(ev));
}

net::awaitable<void> imds_source::rebalance() {
  auto text = co_await read("events/recommendations/rebalance");
  if (!text || !logged_.insert("rebalance:" + *text)) co_return;
  ++status_.notices["rebalance"];
  sink_.status_changed();
  auto t = lifecycle::parse_rebalance_notice(*text);
  const bool run = o_.on_rebalance == config::notice_action::script;
  log_.warn("rebalance-recommendation", {{"notice_time", t ? iso8601(*t) : "unreadable"},
                                         {"what", run ? "running the terminate script (--on-rebalance script)"
                                                      : "logged only: the group's own terminate hook follows if it replaces "
                                                        "this instance (--on-rebalance script to act on it)"}});
  // Each recommendation is its own notice: no lifecycle transition has begun, so the group's
  // terminate hook, when it follows, still runs the script and is completed.
  if (!run) co_return;
  instance_event ev{lifecycle::transition::terminate, "rebalance", "rebalance:" + (t ? iso8601(*t) : *text), true, std::nullopt};
  co_await act(std::move(ev));
}

net::awaitable<void> imds_source::maintenance() {
  auto text = co_await read("events/maintenance/scheduled");
  if (!text) co_return;
  auto events = lifecycle::parse_maintenance_events(*text);
  if (!events) {
    if (logged_.insert("maintenance-unreadable:" + *text))
      log_.warn("maintenance-unreadable", {{"error", events.error().message()}});
    co_return;
  }
  const auto now = std::chrono::system_clock::now();
  // The document is the hypervisor's, but its length is not ours to trust: a few events at a time.
  if (events->size() > max_maintenance_events && logged_.insert("maintenance-many:" + std::to_string(events->size())))
    log_.warn("maintenance-events-truncated", {{"events", std::to_string(events->size())},
                                               {"what", "only the first " + std::to_string(max_maintenance_events) + " are read"}});
  if (events->size() > max_maintenance_events) events->resize(max_maintenance_events);
  for (const auto& e : *events) {
    if (logged_.insert("maintenance:" + lifecycle::maintenance_fingerprint(e)) && ++status_.notices["maintenance"]) {
      sink_.status_changed();
      log_.warn("scheduled-maintenance", {{"event", e.id}, {"code", e.code}, {"state", e.state},
                                          {"not_before", e.not_before ? iso8601(*e.not_before) : ""},
                                          {"not_after", e.not_after ? iso8601(*e.not_after) : ""}, {"description", e.description}});
    }
    if (o_.on_maintenance != config::notice_action::script || e.state != "active" || !e.ends_instance() || !e.not_before ||
        now < *e.not_before - o_.maintenance_lead || !maintenance_acted_.insert(e.id))
      continue;
    log_.warn("maintenance-script", {{"event", e.id}, {"code", e.code}, {"what", "running the terminate script ahead of it"}});
    instance_event ev{lifecycle::transition::terminate, "maintenance", "maintenance:" + e.id, true, std::nullopt};
    co_await act(std::move(ev));
  }
}

} // namespace hookd::agent
