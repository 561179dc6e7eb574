// SPDX-License-Identifier: Apache-2.0
// The config file and the shared credentials/config files. Errors must never echo a value:
// a line's text can be a secret.
#include "hookd/aws/ini.hpp"
#include "hookd/config/config.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)hookd::aws::parse_ini(text, "/fuzz/credentials");
  auto lines = hookd::config::parse_env_file(text, "/fuzz/hookd.conf");
  if (!lines && size >= 12 && text.find("SECRETMARK12") != std::string_view::npos &&
      lines.error().message().find("SECRETMARK12") != std::string::npos)
    std::abort(); // a config error printed the text of the line
  return 0;
}
