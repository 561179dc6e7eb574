// SPDX-License-Identifier: Apache-2.0
// hookd's one-shot commands as operators run them: simulate, cp and check, each the real binary
// against the emulator, with the trust and signal cases that belong to them.
#include "process_fixture.hpp"

using namespace hookd;
using namespace std::chrono_literals;
namespace net = boost::asio;

namespace {
using test::hookd_process;

TEST_F(hookd_process, simulate_runs_the_script_like_an_action_without_touching_the_group_or_queue) {
  write_script("#!/bin/sh\necho \"sim $1 $2 $HOOKD_TRANSITION $AWS_REGION\"\n");
  auto ok = run(start(hookd_cmd({"simulate"})), 30s);
  EXPECT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_TRUE(said("sim terminate i-self terminate us-east-1"));
  EXPECT_TRUE(said("hookd would complete the action with CONTINUE"));

  output.clear();
  emu->put_object("scripts", "slow.sh", "#!/bin/sh\nsleep 5\n");
  auto slow = run(start(hookd_cmd({"simulate", "--script", "s3://scripts/slow.sh", "--timeout", "200ms"})), 30s);
  EXPECT_EQ(slow.exit_code, 1);
  EXPECT_TRUE(said("time limit hit"));
  EXPECT_TRUE(said("hookd would complete the action with ABANDON"));
  EXPECT_EQ(emu->calls("GetObject").size(), 1u) << "the S3 script was fetched with hookd's credentials";
  for (const char* op : {"ReceiveMessage", "RecordLifecycleActionHeartbeat", "CompleteLifecycleAction", "DeleteMessage",
                         "ChangeMessageVisibility"})
    EXPECT_TRUE(emu->calls(op).empty()) << op << " must not be called by simulate";
}

TEST_F(hookd_process, cp_uploads_a_file_and_reports_usage_and_aws_errors) {
  write_script("#!/bin/sh\n");
  const auto file = (dir / "messages").string();
  std::ofstream(file) << "log line\n";
  emu->put_object("logs", "", "");
  auto r = run(start(hookd_cmd({"cp", file, "s3://logs/i-self/messages"})), 30s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(emu->object("logs", "i-self/messages"), "log line\n");
  auto bad = run(start(hookd_cmd({"cp", file})), 30s);
  EXPECT_EQ(bad.exit_code, 2);
  auto missing = run(start(hookd_cmd({"cp", file, "s3://no-such-bucket/x"})), 30s);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(said("NoSuchBucket"));
}

} // namespace

namespace {

TEST_F(hookd_process, check_passes_on_a_sound_setup_and_names_each_broken_piece) {
  write_script("#!/bin/sh\n");
  auto sound = hookd_cmd({"check"});
  sound.env.push_back("HOOKD_SCRIPT_TIMEOUT=10m"); // within the hook's 3000 s global timeout
  auto good = run(start(sound), 30s);
  EXPECT_EQ(good.exit_code, 0) << good.describe() << "\n" << all_output();
  EXPECT_TRUE(said("all checks passed"));
  EXPECT_TRUE(said("credentials"));
  EXPECT_TRUE(said("hook drain"));

  // Each broken piece fails its own line, with the fix.
  output.clear();
  emu->set_queue_attribute("hooks", "RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":5})");
  auto c = hookd_cmd({"check"});
  c.env.push_back("HOOKD_ON_TERMINATE=s3://scripts/missing.sh");
  std::erase_if(c.env, [](const std::string& e) { return e.rfind("HOOKD_ON_TERMINATE=", 0) == 0 && e.find("s3://") == std::string::npos; });
  c.env.push_back("HOOKD_SCRIPT_TIMEOUT=72h");
  emu->put_object("scripts", "other.sh", "x");
  auto bad = run(start(c), 30s);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(said("FAIL  redrive-policy")) << "maxReceiveCount 5 on a shared queue";
  EXPECT_TRUE(said("FAIL  script-object"));
  EXPECT_TRUE(said("exceeds the global timeout"));
  EXPECT_TRUE(said("check(s) failed"));

  output.clear();
  auto wrong = hookd_cmd({"check"});
  std::erase_if(wrong.env, [](const std::string& e) { return e.rfind("AWS_SECRET_ACCESS_KEY=", 0) == 0; });
  wrong.env.push_back("AWS_SECRET_ACCESS_KEY=wrong");
  wrong.env.push_back("HOOKD_HOOK=nonexistent");
  auto w = run(start(wrong), 30s);
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_TRUE(said("FAIL  queue")) << "SignatureDoesNotMatch surfaces on the queue line";
  EXPECT_TRUE(said("SignatureDoesNotMatch"));

  output.clear();
  auto no_ca = hookd_cmd({"check"});
  std::erase_if(no_ca.env, [](const std::string& e) { return e.rfind("AWS_CA_BUNDLE=", 0) == 0; });
  no_ca.env.push_back("AWS_CA_BUNDLE=/nonexistent/ca.pem");
  auto n = run(start(no_ca), 30s);
  EXPECT_EQ(n.exit_code, 1);
  EXPECT_TRUE(said("FAIL  ca-bundle"));
}

} // namespace

namespace {

TEST_F(hookd_process, check_reports_missing_credentials_unreachable_metadata_and_an_unknown_instance) {
  write_script("#!/bin/sh\n");
  auto c = hookd_cmd({"check"});
  std::erase_if(c.env, [](const std::string& e) {
    return e.rfind("AWS_ACCESS_KEY_ID=", 0) == 0 || e.rfind("AWS_SECRET_ACCESS_KEY=", 0) == 0 ||
           e.rfind("AWS_EC2_METADATA_DISABLED=", 0) == 0 || e.rfind("HOOKD_INSTANCE_ID=", 0) == 0;
  });
  c.env.push_back("HOME=" + dir.string());
  c.env.push_back("AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1"); // nothing listens there
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 1) << all_output();
  EXPECT_TRUE(said("FAIL  imds")) << all_output();
  EXPECT_TRUE(said("FAIL  credentials")) << all_output();
  EXPECT_TRUE(said("no AWS credentials found")) << all_output();

  output.clear();
  auto stranger = hookd_cmd({"check"});
  std::erase_if(stranger.env, [](const std::string& e) { return e.rfind("HOOKD_INSTANCE_ID=", 0) == 0; });
  stranger.env.push_back("HOOKD_INSTANCE_ID=i-notinanygroup");
  auto s = run(start(stranger), 30s);
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_TRUE(said("FAIL  group")) << all_output();
  EXPECT_TRUE(said("set --group")) << all_output();
}

} // namespace

namespace {

TEST_F(hookd_process, simulate_never_uses_a_directory_another_user_prepared) {
  // The attack: an unprivileged user makes the state directory first (here: world-writable, as
  // a shared /tmp name would be) and swaps the script between download and exec. simulate must
  // not use that directory at all.
  state = (dir / "shared-tmp").string();
  std::filesystem::create_directories(state + "/scripts");
  ::chmod(state.c_str(), 0777);
  ::chmod((state + "/scripts").c_str(), 0777);
  emu->put_object("scripts", "ok.sh", "#!/bin/sh\necho \"ran from $0\"\n");
  auto r = run(start(hookd_cmd({"simulate", "--script", "s3://scripts/ok.sh"})), 30s);
  EXPECT_EQ(r.exit_code, 0) << all_output();
  EXPECT_TRUE(said("ran from /")) << all_output();
  EXPECT_FALSE(said("ran from " + state)) << "the script ran from the directory another user controls";
  EXPECT_TRUE(std::filesystem::is_empty(state + "/scripts"));
}

TEST_F(hookd_process, cp_and_simulate_survive_a_stray_sighup) {
  // logrotate's postrotate may signal every process named hookd: only our own child, here.
  auto sighup_our_hookd = [&] {
    bool sent = false;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
      std::ifstream cmd(e.path() / "cmdline"), stat(e.path() / "stat");
      std::string text, pid, name, state_letter;
      pid_t ppid = 0;
      std::getline(cmd, text, '\0');
      stat >> pid >> name >> state_letter >> ppid;
      if (text == HOOKD_BINARY && ppid == ::getpid()) ::kill(std::stoi(pid), SIGHUP), sent = true; // our child only
    }
    return sent;
  };
  write_script("#!/bin/sh\nsleep 0.5\necho finished\n");
  bool sent = false;
  when([&] { return said("simulate-start"); }, [&] { sent = sighup_our_hookd(); });
  auto r = run(start(hookd_cmd({"simulate"})), 30s);
  EXPECT_TRUE(sent);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << all_output();
  EXPECT_TRUE(said("finished"));

  // cp in the middle of an upload that takes half a second.
  const auto file = (dir / "messages").string();
  std::ofstream(file) << "log line\n";
  emu->put_object("logs", "", "");
  emulator::fault slow;
  slow.operation = "PutObject";
  slow.delay = 500ms;
  emu->add_fault(slow);
  sent = false;
  // Once the upload has reached the emulator (its delayed answer still to come), not after a
  // guessed time: a sanitizer build on a slow machine may not have hookd's handlers in place yet.
  when([&] { return emu->faults_left("PutObject") == 0; }, [&] { sent = sighup_our_hookd(); });
  auto cp = run(start(hookd_cmd({"cp", file, "s3://logs/i-self/messages"})), 30s);
  EXPECT_TRUE(sent);
  EXPECT_EQ(cp.exit_code, 0) << cp.describe() << "\n" << all_output();
  EXPECT_EQ(emu->object("logs", "i-self/messages"), "log line\n");
}
} // namespace
