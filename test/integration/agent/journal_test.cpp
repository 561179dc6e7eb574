// SPDX-License-Identifier: Apache-2.0
// The journal on disk: the spare that a new entry fills (one fdatasync on the script's path), what
// an interrupted fill leaves for the next start, and the disk full: RLIMIT_FSIZE makes every write
// past a few bytes fail (EFBIG), as a full disk does (ENOSPC), without root or a special file system.
#include "hookd/agent/journal.hpp"
#include "support/proc_info.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

using namespace hookd;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& what) {
  const auto dir = fs::temp_directory_path() / ("hookd-journal-" + what + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

agent::journal_entry entry(const std::string& token, int resumes = 0) {
  agent::journal_entry e;
  e.action.token = token;
  e.action.group = "web";
  e.action.hook = "drain";
  e.action.instance_id = "i-self";
  e.resumes = resumes;
  return e;
}

outcome<void> write(agent::journal& j, const agent::journal_entry& e) {
  boost::asio::io_context ioc;
  auto f = boost::asio::co_spawn(ioc, j.write(e), boost::asio::use_future);
  ioc.run();
  return f.get();
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool blank_spare(const fs::path& p) {
  const auto text = read(p);
  return text.size() == agent::journal::spare_size && text.find_first_not_of(' ') == std::string::npos;
}
} // namespace

TEST(journal, a_new_entry_fills_the_spare_takes_its_token_name_and_a_new_spare_follows) {
  const auto dir = fresh_dir("spare");
  {
    agent::journal j(dir.string());
    ASSERT_TRUE(j.prepare());
    ASSERT_TRUE(write(j, entry("tok-1")));
    ASSERT_TRUE(write(j, entry("tok-1", 2))); // a rewrite: the whole file replaced, not overwritten in place
    ASSERT_TRUE(write(j, entry("tok-2")));
  } // joins the helper thread: the last spare is made
  const auto text = read(dir / "journal" / "q%3Atok-1.json");
  auto parsed = agent::journal::parse(text);
  ASSERT_TRUE(parsed) << text;
  EXPECT_EQ(parsed->resumes, 2);
  EXPECT_TRUE(agent::journal::parse(read(dir / "journal" / "q%3Atok-2.json")));
  EXPECT_TRUE(blank_spare(dir / "journal" / agent::journal::spare_name));
  std::vector<std::string> problems;
  EXPECT_EQ(agent::journal(dir.string()).pending(problems).size(), 2u);
  EXPECT_TRUE(problems.empty());
  fs::remove_all(dir);
}

TEST(journal, a_spare_filled_but_not_renamed_is_an_entry_and_an_unreadable_one_is_kept_and_reported) {
  const auto dir = fresh_dir("interrupted");
  fs::create_directories(dir / "journal");
  const auto spare = dir / "journal" / agent::journal::spare_name;
  std::string filled = agent::journal::serialize(entry("tok-9"));
  filled.resize(agent::journal::spare_size, ' ');
  std::ofstream(spare, std::ios::binary) << filled;
  std::vector<std::string> problems;
  ASSERT_EQ(agent::journal(dir.string()).pending(problems).size(), 1u) << "hookd status must see it before a start";
  {
    agent::journal j(dir.string());
    ASSERT_TRUE(j.prepare());
    auto pending = j.pending(problems);
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].action.token, "tok-9");
    EXPECT_TRUE(fs::exists(dir / "journal" / "q%3Atok-9.json"));
  }
  EXPECT_TRUE(blank_spare(spare));

  std::ofstream(spare, std::ios::binary) << std::string(R"({"token":"tok-10","gro)") + std::string(200, ' ');
  {
    agent::journal j(dir.string());
    ASSERT_TRUE(j.prepare());
    problems.clear();
    EXPECT_EQ(j.pending(problems).size(), 1u);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("unreadable-spare-"), std::string::npos) << problems[0];
  }
  EXPECT_TRUE(blank_spare(spare)) << "a torn spare is never filled again";
  fs::remove_all(dir);
}

TEST(journal, a_failed_write_leaves_no_temporary_file_and_no_open_descriptor) {
  const auto dir = fresh_dir("full");
  const auto fds_before = test::open_fd_count();
  auto j = std::make_unique<agent::journal>(dir.string());
  ASSERT_TRUE(j->prepare());
  ASSERT_TRUE(write(*j, entry("tok-0"))); // whichever path the failing write takes: spare or not
  auto e = entry("tok-1");
  e.action.metadata = std::string(4096, 'x');
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit tiny{16, old.rlim_max};
  ::setrlimit(RLIMIT_FSIZE, &tiny);
  auto r = write(*j, e);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  j.reset(); // the helper thread's own work (a new spare) is over
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("journal: cannot write"), std::string::npos) << r.error().message();
  for (const auto& f : fs::directory_iterator(dir / "journal")) {
    const auto name = f.path().filename().string();
    EXPECT_TRUE(name == "q%3Atok-0.json" || (name == agent::journal::spare_name && blank_spare(f.path())))
        << name << " was left behind";
  }
  EXPECT_EQ(test::open_fd_count(), fds_before);
  fs::remove_all(dir);
}
