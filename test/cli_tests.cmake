# SPDX-License-Identifier: Apache-2.0
# CLI smoke tests (cmake_template): --help answers, --version matches project(VERSION).
add_test(NAME cli.help COMMAND hookd --help)
set_tests_properties(cli.help PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "Usage: hookd")
add_test(NAME cli.version COMMAND hookd --version)
set_tests_properties(cli.version PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "^hookd ${PROJECT_VERSION} \\(commit ([0-9a-f]+|unknown), [a-z0-9_]+; OpenSSL 3[^,]*, Boost 1\\.81\\.0\\)\n$")
add_test(NAME cli.unknown_flag COMMAND hookd --no-such-flag)
set_tests_properties(cli.unknown_flag PROPERTIES LABELS cli WILL_FAIL TRUE)
# hookd-emulator's --answer-delay names what it wants when given something else. The emulator is
# a host tool: a cross build (arm64) does not build it.
if(TARGET hookd-emulator)
  add_test(NAME cli.emulator_answer_delay_is_checked COMMAND hookd-emulator --answer-delay autoscaling=fast)
  set_tests_properties(cli.emulator_answer_delay_is_checked PROPERTIES LABELS cli
                       PASS_REGULAR_EXPRESSION "--answer-delay wants \\[SERVICE=\\]MS with MS 0-60000, got 'autoscaling=fast'")
endif()
