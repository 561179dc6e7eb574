#pragma once
// SPDX-License-Identifier: Apache-2.0
// The orchestrator. Sources tell it of this instance's lifecycle actions: the queue (long-polled
// here: each message decided, other instances' messages released) and instance metadata
// (imds_source). Its runner carries them out one transition at a time: journal, fetch the script,
// run it under the supervisor while heartbeating, complete every action that waits on that run,
// delete their messages. The script runs once per transition, whichever source spoke first.
// Single-threaded on the caller's io_context.
#include "hookd/agent/confirm_policy.hpp"
#include "hookd/agent/events.hpp"
#include "hookd/drain/drains.hpp"
#include "hookd/agent/journal.hpp"
#include "hookd/agent/options.hpp"
#include "hookd/agent/report_writer.hpp"
#include "hookd/agent/status.hpp"
#include "hookd/agent/transition_runs.hpp"
#include "hookd/agent/script.hpp"
#include "hookd/agent/sinks.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"
#include "hookd/core/bounded_set.hpp"
#include "hookd/http/client.hpp"
#include "hookd/core/broadcast.hpp"
#include "hookd/core/turns.hpp"
#include "hookd/config/config.hpp"
#include "hookd/core/log.hpp"
#include "hookd/lifecycle/disposition.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <optional>
#include <set>
#include <string>

namespace hookd::agent {

class first_receive;

/// The AWS clients the agent uses; `sqs` is null without the queue source, `imds` may be null
/// without the IMDS source.
struct clients {
  aws::sqs_client* sqs = nullptr;
  aws::autoscaling_client* asg = nullptr;
  aws::s3_client* s3 = nullptr;
  aws::imds_client* imds = nullptr;
  aws::caller* caller = nullptr; ///< for the AWS call counts in the metrics
  first_receive* first = nullptr; ///< the queue's receive sent at start-up, not yet decided (or null)
  event_sink* events = nullptr;   ///< told of each action step and phase (systemd, notifications), or null
  drain::drain_clients drains;    ///< the clients of the drains --drain enables (null for one that is off)
  http::client* http = nullptr;   ///< for --ready-http (null: none configured)
  /// Notification deliveries by outcome (delivered, failed, dropped), for the metrics; may be empty.
  std::function<std::map<std::string, std::uint64_t>()> notification_counts;
};

/// A journal entry whose script was started this many times more without finishing is given up
/// (completed with the failure result): a script that crashes hookd, or a machine that keeps
/// crashing under it, must not run again on every restart.
inline constexpr int max_resumes = 3;

struct action_summary {
  std::string token, transition, instance_id, hook, result, trigger;
  std::string outcome;            ///< "exit 0", "killed by SIGKILL ...", "not started: ..."
  int heartbeats = 0;
  bool completed = false;         ///< CompleteLifecycleAction succeeded
  bool already_over = false;      ///< Auto Scaling said the action was no longer active
  bool deleted = false;
  bool script_started = false;    ///< this action started the script
  bool by_instance = false;       ///< from instance metadata: no message of its own
  std::chrono::milliseconds script_duration{0}, total{0};

  static action_summary of(const lifecycle::lifecycle_action& a);
};

class imds_source;
class queue_source;

class agent final : public action_sink, public queue_sink {
public:
  agent(boost::asio::any_io_executor ex, options o, identity id, clients c, journal& j, logger& log, env_lookup env);
  ~agent() override;

  /// Runs until stopped (or, with --once, until one action of this instance is done). Returns the
  /// process exit code. Never throws for AWS or script failures.
  boost::asio::awaitable<int> run();

  /// First call: stop receiving; a running action may go on for `shutdown_grace`, then its script
  /// is stopped and the action completed with the failure result. Second call: stop the script now.
  void stop();

  std::vector<action_summary> finished() const { return {finished_.begin(), finished_.end()}; }
  /// How many tokens, message ids and summaries the agent remembers at most.
  static constexpr std::size_t token_memory = 1000;

  void submit(instance_event event) override;
  bool has_run(lifecycle::transition transition) const override { return runs_.count(transition) > 0; }
  void leg_changed(const std::string& target) override;
  /// Also tells `ready` once every source has polled successfully.
  void status_changed() override;

  bool known_token(const std::string& token) const override;
  bool token_done(const std::string& token) const override;
  void hold_duplicate(const std::string& token, std::string receipt_handle) override;
  void take(received_action r) override;
  boost::asio::awaitable<void> exec_started(std::chrono::milliseconds at_most) override;
  int action_visibility(const std::string& hook) const override;
  std::chrono::seconds global_timeout(const std::string& hook) const override;
  void hooks_read(std::vector<aws::lifecycle_hook> hooks) override;
  void polled(const std::string& error) override { record_poll("queue", error); }
  bool check_notices() override;
  bool served() const override { return !running_.empty() || has_run(lifecycle::transition::terminate); }
  bool room_for_action() override;
  boost::asio::awaitable<bool> wait_for_room(std::chrono::steady_clock::time_point until) override;
  /// Actions taken and not yet run or dropped, at most: a flood of forged messages naming this
  /// instance stays in SQS beyond it, not in hookd's memory (issue 24).
  static constexpr std::size_t max_pending = 32;
  /// Confirmation calls in flight at once: with a 50 ms round trip, one at a time served 800
  /// forged first calls in 40 s, past a 30 s heartbeat timeout; a few keep a flood to a few
  /// connections and callers of the account's shared Auto Scaling rate.
  static constexpr std::size_t confirm_calls_at_once = 4;

private:
  // Auto Scaling's own cap on an action's life (48 h), for hooks we could not describe.
  static constexpr std::chrono::seconds default_global_timeout{172800};
  // CompleteLifecycleAction is retried (beyond the caller's own retries) this many rounds: it is
  // the one call whose loss would leave the instance waiting for the hook's timeout.
  static constexpr int complete_rounds = 10;

  boost::asio::awaitable<void> work();
  /// The parts of run_action: the run itself once confirmed, and its summary line.
  boost::asio::awaitable<void> run_confirmed(received_action& r, const std::optional<std::string>& path,
                                             const std::string& why, std::chrono::steady_clock::time_point global,
                                             action_summary& sum);
  void log_done(action_summary& sum);
  /// The leg's script (leg_check.cpp): a message's Destination decides between --warm-script and
  /// the transition's script, and whether the readiness gate holds the run, so where that choice
  /// matters Auto Scaling's record of the instance is asked first and wins over the message.
  boost::asio::awaitable<std::optional<std::string>> leg_script(lifecycle::lifecycle_action& a, std::string& why);
  boost::asio::awaitable<void> check_leg(lifecycle::lifecycle_action& a);
  /// When Auto Scaling's global timeout ends `a`, counted from the notification's Time.
  std::chrono::steady_clock::time_point global_deadline(const lifecycle::lifecycle_action& a) const;
  const transition_run* run_of(lifecycle::transition t) const {
    auto it = runs_.find(t);
    return it == runs_.end() ? nullptr : &it->second;
  }
  /// choose_run for `a`, now.
  run_choice choice(const lifecycle::lifecycle_action& a) const { return choose_run(run_of(a.transition), a); }
  /// An action whose transition already has a run: heartbeated until the run ends, then completed
  /// with its result.
  struct candidate;
  boost::asio::awaitable<void> attach(std::shared_ptr<candidate> c);
  void start_attached(std::shared_ptr<candidate> c);
  /// A coroutine the runner does not wait for (an attached action, a completion), counted so
  /// that run() ends only after it.
  void start_background(boost::asio::awaitable<void> work, const char* what);
  /// Completes a run's own action (`serial`: its run, 0 for none) and settles its messages.
  boost::asio::awaitable<void> finish_action(received_action r, action_summary sum,
                                             std::chrono::steady_clock::time_point global,
                                             std::chrono::steady_clock::time_point start, unsigned serial);
  boost::asio::awaitable<void> wait_for_run(lifecycle::transition transition);
  void end_run(const lifecycle::lifecycle_action& a, const std::string& result);
  /// By instance id: complete each hook of `a`, retrying "no active action" while the instance
  /// is still on its way into (or in) the wait state.
  boost::asio::awaitable<void> complete_by_instance(const lifecycle::lifecycle_action& a, const std::string& result,
                                                    std::chrono::steady_clock::time_point global_deadline, action_summary& sum);
  /// An action from the journal without a token: still live when the group still shows the
  /// instance on its way through that transition.
  boost::asio::awaitable<bool> instance_still_waiting(const lifecycle::lifecycle_action& a);
  /// One heartbeat by instance id for each hook of `a`; returns how many were taken.
  boost::asio::awaitable<int> heartbeat_by_instance(const lifecycle::lifecycle_action& a);
  boost::asio::awaitable<void> extend_visibility(const std::string& handle, int seconds);
  boost::asio::awaitable<void> resume_journal();
  /// The action runner: takes this instance's actions one at a time from `pending_`, while the
  /// poll loop goes on receiving (and releasing other instances' messages).
  void start_runner();
  boost::asio::awaitable<void> run_pending();
  boost::asio::awaitable<void> wait_for_runner();
  /// False when another action was confirmed while this one's confirmation was still awaited:
  /// that one goes first, and this one stays pending.
  boost::asio::awaitable<bool> run_action(std::shared_ptr<candidate> c);
  enum class confirmation { confirmed, refused, unknown };
  /// A confirmed action the runner does not run after all: hookd is stopping (it is left to the
  /// next hookd), or its transition's run takes it (attached). False when it is to run.
  bool hand_off(std::shared_ptr<candidate>& c, const std::optional<std::string>& path);
  /// An action taken, with Auto Scaling's word on it once that is in. Its confirmation starts
  /// when it is taken and runs beside every other's (confirm_candidate), so the windows of forged
  /// messages ahead of ours are never served one after another before ours.
  struct candidate {
    received_action r;
    std::optional<confirmation> verdict;
    int heartbeats = 0;
    bool held = false; ///< the runner (or attach) has it, and acts on its verdict; else its confirmation does
    bool withdrawn = false; ///< put back (room for another, or stopping): nobody acts on its verdict
    bool prepared = false;  ///< the runner wrote its journal entry while it was confirmed
    boost::asio::steady_timer* pause = nullptr; ///< its confirmation's pause between tries, while it lasts
    boost::asio::cancellation_signal* leave_line = nullptr; ///< takes it out of the call line, while it waits there
    bool answered_over = false; ///< its last answer was "no active action": refused once its window ends
    std::chrono::steady_clock::time_point window_end{}; ///< when "no active action" becomes final for it
  };
  /// Into pending_, its confirmation started, the runner woken.
  void enqueue(received_action r);
  boost::asio::awaitable<void> confirm_candidate(std::shared_ptr<candidate> c);
  boost::asio::awaitable<confirmation> confirm(candidate& c);
  /// One confirming heartbeat in its turn; nullopt when `c` was put back while it waited (no call).
  boost::asio::awaitable<std::optional<outcome<void>>> confirm_call(candidate& c, bool first);
  /// The pause before the next try (cut short by withdraw()); keeps the message hidden meanwhile.
  boost::asio::awaitable<void> pause_confirm(candidate& c, std::chrono::milliseconds d,
                                             std::chrono::steady_clock::time_point& hidden_until);
  /// Out of pending_ and its confirmation stopped; the caller puts its message back.
  void withdraw(candidate& c);
  /// How long a put-back message stays invisible: the receive's short hold, or until its confirm
  /// window is over when Auto Scaling has said "no active action" of it.
  int put_back_seconds(const candidate& c, bool stopping);
  /// Puts back the messages of withdrawn candidates, visible again after the receive's short hold
  /// (released in batches of ten); with `withdraw_journal`, the entries the runner wrote go too.
  boost::asio::awaitable<void> put_back(std::vector<std::shared_ptr<candidate>> cs, bool withdraw_journal);
  boost::asio::awaitable<void> put_back_evicted();
  /// The verdict of a confirmation that ended on an error (refused, or given up), logged.
  confirmation concluded(const candidate& c, const error& e, confirm_step step);
  /// An error that says nothing about the action (AccessDenied, 5xx...): logged once per action, with the fix.
  void report_outage(const candidate& c, const error& e);
  /// stop(): the confirmations still waiting (for a turn, a pause or the runner) are abandoned at
  /// once and their messages put back, so hookd ends within --shutdown-grace whatever is queued.
  void abandon_confirmations();
  /// The first confirmed action, else the first still being confirmed (its journal entry and
  /// script are prepared meanwhile); null when nothing is pending.
  std::shared_ptr<candidate> next_candidate() const;
  /// Until `c` has its verdict (true) or, with `give_way`, another pending action is confirmed.
  boost::asio::awaitable<bool> wait_decided(candidate& c, bool give_way);
  void forget(const candidate& c);
  /// An action that is not run: refused (deleted: it names us, and is no action of ours) or
  /// unknown (put back to be decided again). Either way its token is no longer running.
  boost::asio::awaitable<void> drop_action(const received_action& r, bool refused);
  /// The action is over: its held duplicates are deleted, its journal entry ends and it is
  /// remembered as done.
  boost::asio::awaitable<void> mark_done(const lifecycle::lifecycle_action& a);
  /// After completion: delete the message and its duplicates, end the journal entry.
  boost::asio::awaitable<void> settle_action(const received_action& r, action_summary& sum);
  boost::asio::awaitable<void> keep_alive(const lifecycle::lifecycle_action& a, std::string handle, bool extend_first,
                                          std::chrono::milliseconds interval, std::chrono::steady_clock::time_point global_deadline,
                                          int& heartbeats);
  boost::asio::awaitable<void> complete(const lifecycle::lifecycle_action& a, const std::string& result,
                                        std::chrono::steady_clock::time_point global_deadline, action_summary& sum);
  std::chrono::milliseconds heartbeat_interval(const std::string& hook) const;
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  int heartbeat_timeout(const std::string& hook) const;

  boost::asio::any_io_executor ex_;
  options s_;
  identity id_;
  aws::sqs_client* sqs_;
  aws::autoscaling_client& asg_;
  aws::s3_client& s3_;
  aws::imds_client* imds_;
  journal& journal_;
  logger& log_;
  env_lookup env_;
  /// Token sets, all keyed by journal::file_name(lifecycle::action_key(a)). done_ and attempted_ forget their oldest
  /// past a bound: a forgotten token's message is only confirmed with Auto Scaling again.
  std::set<std::string> running_;
  bounded_set done_{token_memory}, attempted_{token_memory};
  std::deque<std::shared_ptr<candidate>> pending_;
  turns confirm_turns_;  ///< confirm_calls_at_once confirmation calls at a time, first attempts ahead of retries
  broadcast decided_;    ///< a confirmation has come in
  std::set<boost::asio::steady_timer*> confirm_pauses_; ///< confirmations pausing between tries: stop() cuts them short
  std::vector<std::shared_ptr<candidate>> evicted_;      ///< put back to make room, their messages not yet released
  bool runner_busy_ = false;
  bool once_done_ = false;
  bounded_set logged_once_{token_memory};                      ///< what was said once
  std::map<std::string, std::vector<std::string>> duplicate_handles_; ///< action key -> handles to delete with it
  std::deque<action_summary> finished_; ///< the last `token_memory` actions
  bool stopping_ = false;
  int stop_requests_ = 0;
  bool action_running_ = false;
  bool exec_awaited_ = false;            ///< an action was taken by an idle runner and has not exec'd yet
  boost::asio::steady_timer exec_gate_; ///< cancelled when that action's script starts (or will not)
  void open_exec_gate();
  boost::asio::cancellation_signal script_stop_;
  std::optional<boost::asio::steady_timer> grace_timer_;
  boost::asio::steady_timer idle_;
  boost::asio::steady_timer runner_idle_; ///< cancelled when the runner has nothing left
  std::unique_ptr<imds_source> imds_source_;
  std::unique_ptr<queue_source> queue_; ///< null without the queue source
  std::map<lifecycle::transition, transition_run> runs_; ///< by transition: at most one run each (notices have none)
  unsigned run_serial_ = 0;
  int attached_ = 0;                            ///< attach() coroutines still going
  broadcast run_ended_;                        ///< whenever a run ends: wakes attach()
  aws::caller* caller_;
  status_snapshot status_;
  boost::asio::steady_timer report_timer_;
  boost::asio::steady_timer background_idle_; ///< cancelled when the last background coroutine ends
  bool reporting_ = false;
  /// A backlog of this many actions awaiting Auto Scaling's word is a flood: the group is asked
  /// (at most every flood_check_interval) whether this instance waits in a transition.
  static constexpr std::size_t flood_threshold = 8;
  static constexpr std::chrono::seconds flood_check_interval{5};
  bool group_check_running_ = false;
  std::chrono::steady_clock::time_point next_group_check_{};
  void note_backlog();
  boost::asio::awaitable<void> check_group_on_flood();
  report_writer writer_;                      ///< status.json and --metrics-file, off the loop
  bool report_due_ = false;       ///< something a reader acts on changed since the last report
  bool report_settling_ = false;  ///< a report waits for its burst of changes to settle
  /// A burst of changes is rendered once, this long after its first (report_loop).
  static constexpr std::chrono::milliseconds report_settle{100};
  /// At start, at each status_changed() and at the end: STATE/status.json for `hookd status`, and
  /// --metrics-file, each when its content changed.
  boost::asio::awaitable<void> report_loop();
  void write_report();
  void log_write_errors();
  void record_poll(const std::string& source, const std::string& error);
  // Events (agent/events.hpp): one call per step, never blocking.
  event_sink* events_;
  drain::drain_clients drains_;
  http::client* http_;
  std::function<std::map<std::string, std::uint64_t>()> notification_counts_;
  bool ready_told_ = false;
  event about(event_kind k, const lifecycle::lifecycle_action& a, std::string detail = {}) const;
  event about(event_kind k, const action_summary& s) const;
  void tell(const event& e) {
    if (events_) events_->emit(e);
  }
  void tell_phase(event_kind k) { tell(about(k, lifecycle::lifecycle_action{})); }
};

} // namespace hookd::agent
