#pragma once
// SPDX-License-Identifier: Apache-2.0
// The status file and the metrics file, written off the event loop. A write is a handful of
// system calls into a directory hookd may not own (--metrics-file's); on a slow disk, a hung NFS
// mount or a hostile file they can take any time, and on the loop they would hold up heartbeats
// and SIGTERM (issue 24, defect 3). So the loop renders the text and hands it over here, and one
// helper thread writes it.
#include "hookd/core/error.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hookd::agent {

/// One helper thread that replaces whole files (write_file_atomic by default).
///
/// \par Thread contract
/// `submit`, `take_errors` and `finish` are called from one thread (the loop). They take a mutex
/// the helper holds only to pick up or hand back work, never during a write: they never wait for
/// the disk (`finish` waits, bounded, once).
/// \par Coalescing
/// Per file only the newest text waits: text submitted while an earlier write runs replaces any
/// text still waiting for that file.
/// \par Lifetime
/// `finish(bound)` (and the destructor, with no wait) lets the helper write what is queued, waits
/// at most `bound`, then joins the helper, or detaches it if a write is still going. A write
/// that never returns must not keep hookd from exiting; the detached helper owns the state it
/// touches (a shared_ptr), so it never reaches freed memory, and the process's exit ends it.
class report_writer {
public:
  struct file {
    std::string dir, name;
    unsigned mode = 0600;
    std::string path() const { return dir + "/" + name; }
  };
  using write_fn = std::function<outcome<void>(const file&, const std::string& text)>;

  explicit report_writer(write_fn write = {});
  ~report_writer();
  report_writer(const report_writer&) = delete;
  report_writer& operator=(const report_writer&) = delete;

  /// Queues `text` for `f`, unless `key` equals the key last queued for it and `force` is false
  /// (the key is the content without what changes at every tick). Returns whether it queued.
  bool submit(const file& f, std::string text, std::string key, bool force = false);
  /// Failed writes since the last call: (path, one line). A file whose write failed is written
  /// again at its next submit, changed or not.
  std::vector<std::pair<std::string, std::string>> take_errors();
  /// Writes what is queued, waiting at most `bound`. Returns false when a write was left behind.
  /// Nothing may be submitted afterwards.
  bool finish(std::chrono::milliseconds bound);

private:
  struct shared;
  std::shared_ptr<shared> shared_;
  std::map<std::string, std::string> last_key_; ///< loop only
  bool finished_ = false;
};

} // namespace hookd::agent
