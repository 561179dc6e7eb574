// SPDX-License-Identifier: Apache-2.0
// write_file_atomic in a directory others may share (--metrics-file's): what is planted at the
// temporary name is removed, never opened (issue 24, defect 3).
#include "hookd/core/atomic_file.hpp"
#include "hookd/core/private_dir.hpp"
#include "hookd/core/read_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <future>
#include <sys/stat.h>
#include <unistd.h>

using namespace hookd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
struct temp_dir {
  std::string path = make_private_temp_dir("hookd-atomic").value();
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
unsigned mode_of(const std::string& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode & 07777;
}
} // namespace

TEST(atomic_file, a_link_planted_at_the_temporary_name_is_removed_and_its_target_untouched) {
  temp_dir d;
  const auto victim = d.path + "/shadow";
  ASSERT_TRUE(write_file_atomic(d.path, "shadow", "root:secret\n", 0600, false));
  fs::create_symlink(victim, d.path + "/.hookd.prom.tmp");
  auto w = write_file_atomic(d.path, "hookd.prom", "hookd_up 1\n", 0644, false);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(read_whole_file(victim).value_or(""), "root:secret\n") << "written through the link";
  EXPECT_EQ(mode_of(victim), 0600u) << "the link's target was chmod'ed";
  EXPECT_EQ(read_whole_file(d.path + "/hookd.prom").value_or(""), "hookd_up 1\n");
  EXPECT_FALSE(fs::is_symlink(d.path + "/hookd.prom"));
  EXPECT_EQ(mode_of(d.path + "/hookd.prom"), 0644u);
  EXPECT_FALSE(fs::exists(fs::symlink_status(d.path + "/.hookd.prom.tmp")));
}

TEST(atomic_file, a_fifo_planted_at_the_temporary_name_never_blocks_the_write) {
  temp_dir d;
  const auto fifo = d.path + "/.hookd.prom.tmp";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  auto done = std::async(std::launch::async, [&] { return write_file_atomic(d.path, "hookd.prom", "hookd_up 1\n", 0644, false); });
  if (done.wait_for(10s) != std::future_status::ready) {
    // Blocked opening the FIFO: free it with a reader so the test fails instead of hanging.
    const int r = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    done.wait();
    if (r >= 0) ::close(r);
    FAIL() << "write_file_atomic blocked on a FIFO at its temporary name";
  }
  auto w = done.get();
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(read_whole_file(d.path + "/hookd.prom").value_or(""), "hookd_up 1\n");
}

TEST(atomic_file, a_fifo_or_link_at_the_final_name_is_replaced_not_opened) {
  temp_dir d;
  const auto victim = d.path + "/victim";
  ASSERT_TRUE(write_file_atomic(d.path, "victim", "keep", 0600, false));
  fs::create_symlink(victim, d.path + "/a.prom");
  ASSERT_EQ(::mkfifo((d.path + "/b.prom").c_str(), 0666), 0);
  ASSERT_TRUE(write_file_atomic(d.path, "a.prom", "a", 0644, false));
  ASSERT_TRUE(write_file_atomic(d.path, "b.prom", "b", 0644, false)); // a blocking open would hang here
  EXPECT_EQ(read_whole_file(victim).value_or(""), "keep");
  EXPECT_EQ(read_whole_file(d.path + "/a.prom").value_or(""), "a");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(d.path + "/b.prom")));
}

TEST(atomic_file, a_temporary_name_that_cannot_be_removed_is_one_line_naming_it) {
  temp_dir d;
  fs::create_directory(d.path + "/.x.tmp"); // unlinkat refuses a directory
  auto w = write_file_atomic(d.path, "x", "data", 0644, false);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find(d.path + "/.x.tmp"), std::string::npos) << w.error().message();
  EXPECT_EQ(w.error().message().find('\n'), std::string::npos);
  EXPECT_FALSE(fs::exists(d.path + "/x"));
}

TEST(atomic_file, a_leftover_temporary_file_is_replaced) {
  temp_dir d;
  ASSERT_TRUE(write_file_atomic(d.path, ".x.tmp", "stale and much longer than the new content", 0600, false));
  ASSERT_TRUE(write_file_atomic(d.path, "x", "new", 0600, true));
  EXPECT_EQ(read_whole_file(d.path + "/x").value_or(""), "new");
}

TEST(output_dir, a_directory_others_can_write_is_refused_unless_sticky) {
  temp_dir d;
  ASSERT_EQ(::chmod(d.path.c_str(), 0777), 0);
  auto r = check_output_dir(d.path, "--metrics-file");
  ASSERT_FALSE(r);
  const auto m = r.error().message();
  EXPECT_NE(m.find("--metrics-file's directory " + d.path + " is writable by group or others"), std::string::npos) << m;
  EXPECT_NE(m.find("chmod go-w " + d.path), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
  ASSERT_EQ(::chmod(d.path.c_str(), 0775), 0);
  EXPECT_FALSE(check_output_dir(d.path, "--metrics-file")) << "group-writable";
  ASSERT_EQ(::chmod(d.path.c_str(), 01777), 0);
  EXPECT_TRUE(check_output_dir(d.path, "--metrics-file")) << "sticky, like /tmp";
  ASSERT_EQ(::chmod(d.path.c_str(), 0755), 0);
  EXPECT_TRUE(check_output_dir(d.path, "--metrics-file"));
  EXPECT_FALSE(check_output_dir(d.path + "/missing", "--metrics-file"));
}
