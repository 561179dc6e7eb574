// SPDX-License-Identifier: Apache-2.0
// The emulator's SigV4 verifier on hostile requests: the Authorization header, the query and
// the headers as received.
#include "hookd/sigv4/canonical.hpp"
#include "hookd/sigv4/verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cut = text.find('\n');
  const auto authz = text.substr(0, cut);
  const auto rest = cut == std::string_view::npos ? std::string_view{} : text.substr(cut + 1);
  auto parsed = hookd::sigv4::parse_authorization(authz);
  (void)hookd::sigv4::parse_query(rest);
  if (!parsed) return 0;
  hookd::sigv4::received_request r;
  r.method = "POST";
  r.path = std::string(rest.substr(0, rest.find('?')));
  r.raw_query = std::string(rest.substr(std::min(rest.size(), rest.find('?') == std::string_view::npos ? rest.size() : rest.find('?') + 1)));
  r.headers = {{"host", "127.0.0.1"}, {"x-amz-date", "20260101T000000Z"}, {"x-fuzz", std::string(rest)}};
  r.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  for (bool s3 : {false, true}) (void)hookd::sigv4::verify(r, *parsed, hookd::secret_string("secret"), "20260101T000000Z", s3);
  return 0;
}
