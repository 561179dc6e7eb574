// SPDX-License-Identifier: Apache-2.0
// report_writer: status and metrics writes off the loop, coalesced, written only when changed, and
// never able to hold up the loop or hookd's exit (issue 24, defect 3; issue 28).
#include "hookd/agent/report_writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

using namespace hookd;
using namespace hookd::agent;
using namespace std::chrono_literals;

namespace {
/// What the helper thread wrote, and a gate that holds every write until opened.
struct recorder {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> written;
  bool open = true;
  int failures_left = 0;
  int entered = 0; ///< writes begun (before the gate)

  report_writer::write_fn fn() {
    return [this](const report_writer::file& f, const std::string& text) -> outcome<void> {
      std::unique_lock l(m);
      ++entered;
      cv.notify_all();
      cv.wait(l, [&] { return open; });
      if (failures_left > 0) {
        --failures_left;
        return make_error(errc::io_failed, "cannot write " + f.path() + ": disk full");
      }
      written.push_back(f.name + ":" + text);
      cv.notify_all();
      return {};
    };
  }
  void set_open(bool o) {
    std::lock_guard l(m);
    open = o;
    cv.notify_all();
  }
  bool wait_for_entered(int n) {
    std::unique_lock l(m);
    return cv.wait_for(l, 10s, [&] { return entered >= n; });
  }
  bool wait_for_count(std::size_t n) {
    std::unique_lock l(m);
    return cv.wait_for(l, 10s, [&] { return written.size() >= n; });
  }
};
const report_writer::file status_file{"/state", "status.json", 0600};
const report_writer::file metrics_file{"/metrics", "hookd.prom", 0644};
} // namespace

TEST(report_writer, an_unchanged_report_is_written_again_only_when_forced) {
  auto rec = std::make_shared<recorder>();
  report_writer w(rec->fn());
  EXPECT_TRUE(w.submit(status_file, "t1 at 10:00:00", "t1"));
  EXPECT_FALSE(w.submit(status_file, "t1 at 10:00:05", "t1")) << "only the clock moved";
  EXPECT_TRUE(w.submit(metrics_file, "m1", "m1")) << "each file has its own last key";
  EXPECT_TRUE(w.submit(status_file, "t1 at 10:00:20", "t1", true)) << "forced: the refresh";
  EXPECT_TRUE(w.submit(status_file, "t2", "t2"));
  EXPECT_TRUE(w.finish(10s));
  EXPECT_FALSE(w.submit(status_file, "t3", "t3")) << "nothing is taken after finish";
  std::lock_guard l(rec->m);
  std::vector<std::string> status;
  for (const auto& t : rec->written)
    if (t.rfind("status.json:", 0) == 0) status.push_back(t);
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.back(), "status.json:t2") << "the newest text is the one left on disk";
  for (const auto& t : status) EXPECT_NE(t, "status.json:t1 at 10:00:05");
}

TEST(report_writer, a_failed_write_is_reported_once_and_retried_though_unchanged) {
  auto rec = std::make_shared<recorder>();
  rec->failures_left = 1;
  report_writer w(rec->fn());
  ASSERT_TRUE(w.submit(metrics_file, "m1", "m1"));
  // The error comes back to the loop (never logged from the helper thread). The helper takes one
  // write at a time, so once it has begun a second one the first one's error is recorded.
  ASSERT_TRUE(rec->wait_for_entered(1));
  ASSERT_TRUE(w.submit(status_file, "s1", "s1"));
  ASSERT_TRUE(rec->wait_for_entered(2));
  const auto errors = w.take_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].first, "/metrics/hookd.prom");
  EXPECT_NE(errors[0].second.find("disk full"), std::string::npos);
  EXPECT_TRUE(w.submit(metrics_file, "m1", "m1")) << "unchanged, but the last write failed";
  EXPECT_TRUE(w.finish(10s));
  EXPECT_TRUE(w.take_errors().empty());
  std::lock_guard l(rec->m);
  EXPECT_NE(std::find(rec->written.begin(), rec->written.end(), "hookd.prom:m1"), rec->written.end());
}

TEST(report_writer, a_write_that_hangs_blocks_neither_the_caller_nor_the_exit_and_only_the_newest_text_waits) {
  auto rec = std::make_shared<recorder>();
  rec->set_open(false); // every write hangs until the gate opens
  // The whole exchange runs under a deadline: a submit or finish that waited for the write would hang.
  auto loop = std::async(std::launch::async, [rec] {
    report_writer w(rec->fn());
    w.submit(metrics_file, "m1", "m1");
    if (!rec->wait_for_entered(1)) return true; // fails below: the helper never started m1
    w.submit(metrics_file, "m2", "m2");
    w.submit(metrics_file, "m3", "m3");
    return w.finish(50ms); // the helper is stuck: left behind
  });
  ASSERT_EQ(loop.wait_for(10s), std::future_status::ready) << "the loop waited for a hung write";
  EXPECT_FALSE(loop.get()) << "finish says a write was left behind";
  // The abandoned helper still owns its state: once the write returns it finishes its queue.
  rec->set_open(true);
  ASSERT_TRUE(rec->wait_for_count(2));
  std::lock_guard l(rec->m);
  ASSERT_EQ(rec->written.size(), 2u);
  EXPECT_EQ(rec->written[1], "hookd.prom:m3") << "m2 was replaced while m1 was being written";
}
