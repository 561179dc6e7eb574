// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/report_writer.hpp"

#include "hookd/core/atomic_file.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace hookd::agent {

struct report_writer::shared {
  std::mutex m;
  std::condition_variable work;      ///< wakes the helper
  std::condition_variable done;      ///< wakes finish()
  std::map<std::string, std::pair<file, std::string>> pending; ///< by path: the newest text only
  std::vector<std::pair<std::string, std::string>> errors;
  bool busy = false, stop = false;
  write_fn write;
  std::thread helper;

  /// Errors kept between two take_errors(): the loop reads them every few seconds, and a
  /// failing write repeats the same line.
  static constexpr std::size_t errors_kept = 8;

  void run() {
    std::unique_lock l(m);
    for (;;) {
      work.wait(l, [&] { return stop || !pending.empty(); });
      if (pending.empty()) return; // stopped, and everything written
      auto node = pending.extract(pending.begin());
      busy = true;
      l.unlock();
      auto r = write(node.mapped().first, node.mapped().second);
      l.lock();
      busy = false;
      if (!r && errors.size() < errors_kept) errors.emplace_back(node.key(), r.error().message());
      done.notify_all();
    }
  }
};

report_writer::report_writer(write_fn write) : shared_(std::make_shared<shared>()) {
  shared_->write = write ? std::move(write) : [](const file& f, const std::string& text) {
    // Not fsynced: both files are rewritten while hookd runs, and a reader only needs them whole.
    return write_file_atomic(f.dir, f.name, text, f.mode, false);
  };
  // The thread holds its own reference: once detached it may outlive this object.
  shared_->helper = std::thread([s = shared_] { s->run(); });
}

report_writer::~report_writer() { finish(std::chrono::milliseconds(0)); }

bool report_writer::submit(const file& f, std::string text, std::string key, bool force) {
  auto path = f.path();
  auto& last = last_key_[path];
  if (finished_ || (!force && last == key)) return false;
  last = std::move(key);
  {
    std::lock_guard l(shared_->m);
    shared_->pending[std::move(path)] = {f, std::move(text)};
  }
  shared_->work.notify_one();
  return true;
}

std::vector<std::pair<std::string, std::string>> report_writer::take_errors() {
  std::vector<std::pair<std::string, std::string>> out;
  {
    std::lock_guard l(shared_->m);
    out.swap(shared_->errors);
  }
  for (const auto& e : out) last_key_.erase(e.first);
  return out;
}

bool report_writer::finish(std::chrono::milliseconds bound) {
  if (std::exchange(finished_, true)) return true;
  std::unique_lock l(shared_->m);
  shared_->stop = true;
  shared_->work.notify_one();
  const bool idle = shared_->done.wait_for(l, bound, [&] { return shared_->pending.empty() && !shared_->busy; });
  l.unlock();
  // Joining a helper stuck in write() (a dead NFS server) would hang hookd's exit for ever:
  // leave it behind instead. It holds the shared state alive; should its write ever return, it
  // writes what is still queued and ends, and otherwise the process's exit ends it.
  if (idle) shared_->helper.join();
  else shared_->helper.detach();
  return idle;
}

} // namespace hookd::agent
