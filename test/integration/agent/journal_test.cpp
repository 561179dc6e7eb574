// SPDX-License-Identifier: Apache-2.0
// The journal when the disk is full: RLIMIT_FSIZE makes every write past a few bytes fail (EFBIG),
// as a full disk does (ENOSPC), without root or a special file system.
#include "hookd/agent/journal.hpp"
#include "support/proc_info.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sys/resource.h>
#include <unistd.h>

using namespace hookd;
namespace fs = std::filesystem;

TEST(journal, a_failed_write_leaves_no_temporary_file_and_no_open_descriptor) {
  const auto dir = fs::temp_directory_path() / ("hookd-journal-" + std::to_string(::getpid()));
  agent::journal j(dir.string());
  ASSERT_TRUE(j.prepare());
  boost::asio::io_context ioc;
  agent::journal_entry e;
  e.action.token = "tok-1";
  e.action.instance_id = "i-self";
  e.action.metadata = std::string(4096, 'x');
  const auto fds_before = test::open_fd_count();
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit tiny{16, old.rlim_max};
  ::setrlimit(RLIMIT_FSIZE, &tiny);
  auto f = boost::asio::co_spawn(ioc, j.write(e), boost::asio::use_future);
  ioc.run();
  auto r = f.get();
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("journal: cannot write"), std::string::npos) << r.error().message();
  EXPECT_TRUE(fs::is_empty(dir / "journal")) << "the half-written .tmp file was left behind";
  EXPECT_EQ(test::open_fd_count(), fds_before);
  fs::remove_all(dir);
}
