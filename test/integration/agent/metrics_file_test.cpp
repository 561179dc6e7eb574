// SPDX-License-Identifier: Apache-2.0
// The real hookd and its --metrics-file in a directory others share (issue 24, defect 3): a
// directory anyone can swap files in is refused at start-up; in a sticky one (like /tmp), what
// another user plants at the temporary name neither redirects the write nor blocks the loop.
#include "process_fixture.hpp"

#include "hookd/core/read_file.hpp"

#include <functional>
#include <sys/stat.h>

using namespace hookd;
using namespace std::chrono_literals;

namespace {
class metrics_file : public test::hookd_process {
protected:
  /// Runs one action with --metrics-file at SHARED/hookd.prom, SHARED sticky and world-writable
  /// (/tmp), after `plant` put something at the temporary name; checks the file came out right.
  void run_with_planted(const std::function<void(const std::string&)>& plant) {
    write_script("#!/bin/sh\necho handled\n");
    const auto shared = (dir / "tmp").string();
    std::filesystem::create_directories(shared);
    ::chmod(shared.c_str(), 01777);
    plant(shared + "/.hookd.prom.tmp");
    const auto token = emu->terminate_instance("asg", "i-self").at(0);
    auto c = hookd_cmd();
    c.env.push_back("HOOKD_METRICS_FILE=" + shared + "/hookd.prom");
    auto r = run(start(c), 60s);
    EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
    EXPECT_EQ(emu->action(token)->result, "CONTINUE");
    const auto text = read_whole_file(shared + "/hookd.prom").value_or("");
    EXPECT_NE(text.find("hookd_actions_total{"), std::string::npos) << text;
    EXPECT_FALSE(std::filesystem::is_symlink(shared + "/hookd.prom"));
  }
};

TEST_F(metrics_file, a_metrics_directory_others_can_write_without_the_sticky_bit_is_refused_with_the_fix) {
  write_script("#!/bin/sh\n");
  const auto shared = (dir / "textfiles").string();
  std::filesystem::create_directories(shared);
  ::chmod(shared.c_str(), 0777);
  auto c = hookd_cmd();
  c.env.push_back("HOOKD_METRICS_FILE=" + shared + "/hookd.prom");
  auto r = run(start(c), 30s);
  EXPECT_NE(r.exit_code, 0) << all_output();
  EXPECT_TRUE(said("--metrics-file's directory " + shared + " is writable by group or others without the sticky bit"))
      << all_output();
  EXPECT_TRUE(said("chmod go-w " + shared)) << all_output();
  EXPECT_TRUE(emu->calls("ReceiveMessage").empty());
  output.clear();
  c.args = {"check"};
  r = run(start(c), 30s);
  EXPECT_NE(r.exit_code, 0) << all_output();
  EXPECT_TRUE(said("FAIL  metrics-file")) << all_output();
}

TEST_F(metrics_file, a_fifo_planted_at_the_metrics_temporary_name_does_not_freeze_hookd) {
  // Before the fix the first report opened the FIFO and the loop froze there: the action was
  // never completed and SIGTERM was ignored, so this run hit its time limit.
  run_with_planted([](const std::string& tmp) { ASSERT_EQ(::mkfifo(tmp.c_str(), 0666), 0); });
}

TEST_F(metrics_file, a_link_planted_at_the_metrics_temporary_name_is_not_followed) {
  const auto victim = (dir / "victim").string();
  std::ofstream(victim) << "secret\n";
  ::chmod(victim.c_str(), 0600);
  run_with_planted([&](const std::string& tmp) { std::filesystem::create_symlink(victim, tmp); });
  EXPECT_EQ(read_whole_file(victim).value_or(""), "secret\n") << "written through the planted link";
  struct stat st {};
  ASSERT_EQ(::stat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u) << "the planted link's target was chmod'ed";
}

} // namespace
