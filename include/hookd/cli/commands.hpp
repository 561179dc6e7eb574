#pragma once
// SPDX-License-Identifier: Apache-2.0
// hookd's commands, one file each in src/cli/; main() only parses and dispatches. Each returns
// the process exit status (cli::exit_ok, exit_failure, exit_usage).
#include "hookd/config/config.hpp"
#include "hookd/core/env.hpp"

#include <cstdio>

namespace hookd::cli {

void print_help(std::FILE* out);
/// `hookd --version`: version, commit, architecture and the libraries linked in.
void print_version(std::FILE* out);

int run_agent(const config::parse_result& cfg, const env_lookup& env);
int run_cp(const config::parse_result& cfg, const env_lookup& env);
int run_simulate(const config::parse_result& cfg, const env_lookup& env);
int run_check(const config::parse_result& cfg, const env_lookup& env);
int run_status(const config::parse_result& cfg, const env_lookup& env);


} // namespace hookd::cli
