// SPDX-License-Identifier: Apache-2.0
// s3:// URIs read: no I/O (s3.cpp holds the client).
#include "hookd/aws/s3.hpp"

namespace hookd::aws {

outcome<s3_uri> parse_s3_uri(std::string_view text) {
  auto bad = [&](const char* why) {
    return make_error(errc::invalid_input, "invalid S3 URI '" + std::string(text) + "': " + why +
                                               " (expected s3://BUCKET/KEY)");
  };
  if (!text.starts_with("s3://")) return bad("it does not start with s3://");
  const auto rest = text.substr(5);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return bad("no bucket, or no key after it");
  s3_uri u{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
  if (u.key.empty()) return bad("the key is empty");
  if (u.bucket.size() < 3 || u.bucket.size() > 63) return bad("bucket names are 3 to 63 characters");
  return u;
}

} // namespace hookd::aws
