// SPDX-License-Identifier: Apache-2.0
// The real hookd binary on a system whose openssl.cnf was written for another OpenSSL: hookd's
// own OpenSSL runs on its defaults and never reads it.
#include "process_fixture.hpp"

using namespace hookd;
using namespace std::chrono_literals;

namespace {
using test::hookd_process;

TEST_F(hookd_process, a_system_openssl_config_that_loads_other_providers_is_not_read) {
  // Such a file (a FIPS set-up, a crypto policy) activates only the providers it names: read by
  // hookd, SHA-256 and TLS would find no implementation and every AWS call would fail.
  const auto conf = (dir / "openssl.cnf").string();
  std::ofstream(conf) << "openssl_conf = init\n[init]\nproviders = providers\n"
                         "[providers]\nbase = base\n[base]\nactivate = 1\n";
  write_script("#!/bin/sh\necho handled\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto c = hookd_cmd();
  c.env.push_back("OPENSSL_CONF=" + conf);
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(said("handled"));
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
}

} // namespace
