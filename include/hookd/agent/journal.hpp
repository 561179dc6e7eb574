#pragma once
// SPDX-License-Identifier: Apache-2.0
// The in-flight action on disk, so that a crash or reboot mid-action resumes it instead of losing
// it. All disk work runs on a helper thread: fsync must not stall the event loop. A new entry,
// which the script waits for, goes into a *spare*: a blank file made durable beforehand, so the
// entry costs one overwrite and one fdatasync (no create, no directory fsync); it is then renamed
// to its token, and a new spare is made after. Rewrites go through a temporary file, fsync, rename
// and fsync of the directory. Finished tokens leave a marker so a re-delivered copy of their
// message is recognised and deleted, not run again.
#include "hookd/agent/surviving_script.hpp"
#include "hookd/core/error.hpp"
#include "hookd/lifecycle/notification.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <string>
#include <vector>

namespace hookd::agent {

struct journal_entry {
  lifecycle::lifecycle_action action;
  std::string message_id;
  std::string receipt_handle;
  sys_time started{};
  int resumes = 0;                     ///< times a restarted hookd has taken it up again
  int script_pgid = 0;                 ///< the script's process group, once it runs
  unsigned long long script_start = 0; ///< its start time (/proc stat ticks): a reused pid is never taken for it
  std::string boot_id{};               ///< the boot it ran in: ticks and pids mean nothing across a reboot
};

class journal {
public:
  explicit journal(std::string state_dir);
  ~journal();

  /// Creates the directories (0700) and takes up a spare that an earlier hookd filled but did not
  /// rename; the first spare is made on the helper thread. Synchronous: called once at start-up.
  outcome<void> prepare();
  boost::asio::awaitable<outcome<void>> write(const journal_entry& e);
  /// Removes the entry of the action `key` (lifecycle::action_key) and leaves a "done" marker.
  boost::asio::awaitable<outcome<void>> finish(const std::string& key);
  /// Removes the entry and leaves no marker: the action is not over (Auto Scaling could not be
  /// asked), and its message, when it comes back, must be decided afresh, after a restart too.
  boost::asio::awaitable<outcome<void>> withdraw(const std::string& key);
  /// Entries left by an earlier run (synchronous, start-up only); unreadable ones are reported in `problems`.
  std::vector<journal_entry> pending(std::vector<std::string>& problems) const;
  /// Tokens finished within the last 48 h (older markers are pruned: no action lives longer).
  std::vector<std::string> done_tokens() const;

  const std::string& dir() const noexcept { return dir_; }

  /// An action's key (lifecycle::action_key) as it names files here (and in done_tokens()):
  /// injective, and never steered by message content into a path.
  static std::string file_name(const std::string& key);
  /// The action's own name here: file_name(action_key(a)).
  static std::string name_of(const lifecycle::lifecycle_action& a) { return file_name(lifecycle::action_key(a)); }
  /// Forgets the "done" markers of these keys (their events may come again: a warm pool's legs).
  boost::asio::awaitable<void> forget_done(std::vector<std::string> keys);
  /// Longer escaped keys are named by their hash: a file name stays short whatever a message holds.
  static constexpr std::size_t max_plain_name = 160;
  static std::string serialize(const journal_entry& e);
  static outcome<journal_entry> parse(std::string_view text);

  /// The spare's name in the journal directory, and its size: an entry longer than that (huge
  /// metadata) takes the slower path.
  static constexpr const char* spare_name = ".spare.json";
  static constexpr std::size_t spare_size = 8192;
  /// A spare's content before it is filled: blanks only.
  static bool blank(std::string_view text);

private:
  boost::asio::awaitable<outcome<void>> remove(const std::string& key, bool done);
  outcome<void> write_entry(const std::string& name, const std::string& data, bool& spare_used);
  outcome<void> fill_spare(const std::string& name, const std::string& data);
  void make_spare();

  std::string dir_;
  bool spare_ready_ = false; ///< touched on the helper thread only, after prepare()
  boost::asio::thread_pool pool_{1};
};

} // namespace hookd::agent
