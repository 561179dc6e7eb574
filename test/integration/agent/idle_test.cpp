// SPDX-License-Identifier: Apache-2.0
// The real hookd at idle and between actions (issue 28): an idle hookd writes its state file and
// metrics once and not again while nothing changes, and an action after the first opens no new
// connection with a full TLS handshake. No wall-clock assertion: the tests count polls, files'
// identities and the emulator's handshakes.
#include "process_fixture.hpp"

#include "hookd/core/read_file.hpp"

#include <sys/stat.h>

using namespace hookd;
using namespace std::chrono_literals;

namespace {

/// A file's identity: a replacement (write_file_atomic renames a new file over it) changes the inode.
struct file_id {
  ino_t inode = 0;
  long long mtime_ns = 0;
  bool operator==(const file_id&) const = default;
};
file_id id_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
}

class idle : public test::hookd_process {
protected:
  std::size_t polls() const { return emu->calls("ReceiveMessage").size(); }
};

TEST_F(idle, an_idle_hookd_writes_its_state_and_metrics_once_and_not_again_while_nothing_changes) {
  write_script("#!/bin/sh\n");
  const auto metrics_dir = dir / "metrics";
  std::filesystem::create_directories(metrics_dir);
  ::chmod(metrics_dir.c_str(), 0755);
  const auto status = state + "/status.json", metrics = (metrics_dir / "hookd.prom").string();
  auto c = hookd_cmd({});
  c.env.push_back("HOOKD_METRICS_FILE=" + metrics);
  file_id status_first, metrics_first, status_later, metrics_later;
  std::size_t polls_seen = 0;
  // Settled: the first polls are answered and both files written. Then seven more one-second long
  // polls, each a new request count and poll time: before, a report every 5 s rewrote the metrics
  // (their request counts had moved), and every 20 s both files.
  when([&] { return hookd_pid() > 0 && polls() >= 3 && id_of(status).inode && id_of(metrics).inode; }, [&] {
    status_first = id_of(status);
    metrics_first = id_of(metrics);
    polls_seen = polls();
    when([&] { return polls() >= polls_seen + 7; }, [&] {
      status_later = id_of(status);
      metrics_later = id_of(metrics);
      ::kill(hookd_pid(), SIGTERM);
    });
  });
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  ASSERT_NE(status_later.inode, 0u) << "hookd did not poll seven more times" << all_output();
  EXPECT_EQ(status_first, status_later) << "status.json rewritten while nothing changed";
  EXPECT_EQ(metrics_first, metrics_later) << "the metrics file rewritten while nothing changed";
  // The last word at exit carries what idle polls counted.
  const auto text = read_whole_file(metrics).value_or("");
  EXPECT_NE(text.find("hookd_aws_requests_total{service=\"sqs\",code=\"OK\"} "), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_source_up{source=\"queue\"} 1\n"), std::string::npos) << text;
}

TEST_F(idle, an_action_after_the_first_opens_no_connection_with_a_full_tls_handshake) {
  if (std::getenv("HOOKD_TEST_PLAIN")) GTEST_SKIP() << "no TLS";
  write_script("#!/bin/sh\necho handled\n");
  auto c = hookd_cmd({});
  // Auto Scaling on an origin of its own, as in AWS (the emulator's certificate names localhost).
  auto asg = emu->url();
  asg.replace(asg.find("127.0.0.1"), 9, "localhost");
  c.env.push_back("AWS_ENDPOINT_URL_AUTO_SCALING=" + asg);
  std::string first, second;
  emulator::server::handshake_counts before{}, after{};
  when([&] { return hookd_pid() > 0 && polls() >= 2; }, [&] { first = emu->terminate_instance("asg", "i-self").at(0); });
  when([&] { return !first.empty() && message_deleted(first) && !emu->action(first)->active; }, [&] {
    before = emu->tls_handshakes();
    second = emu->terminate_instance("asg", "i-self").at(0);
    when([&] { return message_deleted(second) && !emu->action(second)->active; }, [&] {
      after = emu->tls_handshakes();
      ::kill(hookd_pid(), SIGTERM);
    });
  });
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  ASSERT_FALSE(second.empty()) << all_output();
  EXPECT_EQ(emu->action(second)->result, "CONTINUE");
  EXPECT_EQ(after.full, before.full) << "the second action's calls made a full TLS handshake (" << after.resumed - before.resumed
                                     << " resumed)";
}

} // namespace
