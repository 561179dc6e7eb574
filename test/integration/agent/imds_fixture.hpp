#pragma once
// SPDX-License-Identifier: Apache-2.0
// The real hookd with the instance-metadata trigger against the emulator: every run of its script
// leaves a line, so a test reads how many times it ran, and for what.
#include "process_fixture.hpp"

#include "hookd/core/read_file.hpp"
#include "hookd/core/time.hpp"

#include <ctime>
#include <fstream>

namespace hookd::test {
using namespace std::chrono_literals;

class imds_trigger : public test::hookd_process {
protected:
  std::string runs_file;

  void SetUp() override {
    hookd_process::SetUp();
    runs_file = (dir / "runs").string();
    imds_port = emu->add_imds_instance("i-self").value();
    // Every run leaves a line: how many times the script ran, and for what.
    write_script("#!/bin/sh\necho \"$1 $HOOKD_TRIGGER token=$HOOKD_ACTION_TOKEN hook=$HOOKD_HOOK\" >> " + runs_file + "\n");
  }

  proc::command imds_cmd(const std::string& triggers, std::vector<std::string> args = {}) {
    auto c = hookd_cmd(std::move(args));
    std::erase_if(c.env, [](const std::string& v) { return v.starts_with("AWS_EC2_METADATA_DISABLED="); });
    c.env.push_back("AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:" + std::to_string(imds_port));
    c.env.push_back("HOOKD_TRIGGER=" + triggers);
    c.env.push_back("HOOKD_IMDS_POLL=100ms");
    return c;
  }

  std::vector<std::string> runs() const {
    std::ifstream in(runs_file);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

  /// A launching hook "warm-up" on the group, and this instance launched into its wait.
  void launch_with_hook() {
    put_hook("warm-up", "", "autoscaling:EC2_INSTANCE_LAUNCHING");
    emu->launch_instance("asg", "i-self");
  }

  std::size_t sqs_calls() const {
    std::size_t n = 0;
    for (const auto& c : emu->calls()) n += c.service == "sqs";
    return n;
  }

  int completions(const std::string& status_filter = "ok") const {
    int n = 0;
    for (const auto& c : emu->calls("CompleteLifecycleAction"))
      n += status_filter == "ok" ? c.status == 200 : c.status != 200;
    return n;
  }

  /// Stops hookd (SIGTERM) once `ready()` holds.
  void stop_when(std::function<bool()> ready) {
    when(std::move(ready), [this] { ::kill(hookd_pid(), SIGTERM); });
  }
  /// Kills hookd (SIGKILL: a power-off, no shutdown) once `ready()` holds.
  void kill_when(std::function<bool()> ready) {
    when(std::move(ready), [this] { ::kill(hookd_pid(), SIGKILL); });
  }

  /// hookd --trigger imds is SIGKILLed once its script (which writes `pidfile`) runs and is
  /// journaled; then a hookd with a script that only records its run starts again.
  void kill_mid_run_and_restart(const std::string& pidfile, proc::run_result& restarted) {
    when([&] { return std::filesystem::exists(pidfile) && std::filesystem::file_size(pidfile) > 0 && script_journaled(); },
         [&] { ::kill(hookd_pid(), SIGKILL); });
    auto killed = run(start(imds_cmd("imds", {"--once"})), 60s);
    ASSERT_EQ(killed.signal, SIGKILL) << killed.describe() << all_output();
    write_script("#!/bin/sh\necho \"$1 $HOOKD_TRIGGER\" >> " + runs_file + "\n");
    output.clear();
    restarted = run(start(imds_cmd("imds", {"--once"})), 60s);
  }

  std::uint16_t imds_port = 0;
};

inline std::string event_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%e %b %Y %H:%M:%S GMT", &tm); // " 5 Jan 2019 ...": a one-digit day, as EC2 writes it
  std::string s(buf);
  return s[0] == ' ' ? s.substr(1) : s;
}

} // namespace hookd::test
