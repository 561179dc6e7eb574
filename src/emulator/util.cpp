// SPDX-License-Identifier: Apache-2.0
#include "impl.hpp"

namespace hookd::emulator {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  return crypto::to_hex(b);
}

std::string uuid() {
  auto h = random_hex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12);
}

std::string md5_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_md5(), nullptr);
  return crypto::to_hex(std::span<const std::uint8_t>(out, len));
}

std::string iso8601_ms(sys_time t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  auto s = iso8601(t);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

std::string http_date(sys_time t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out.push_back(c);
    }
  }
  return out;
}
std::optional<long long> json_int(const json::object& o, std::string_view k) {
  if (auto* p = o.if_contains(k)) {
    if (p->is_int64()) return p->as_int64();
    if (p->is_uint64()) return static_cast<long long>(p->as_uint64());
    if (p->is_string()) {
      try {
        return std::stoll(std::string(p->as_string()));
      } catch (...) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

} // namespace hookd::emulator
