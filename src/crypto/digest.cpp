// SPDX-License-Identifier: Apache-2.0
#include "hookd/crypto/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace hookd::crypto {

sha256_digest sha256(std::string_view data) {
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL EVP_Digest(sha256) failed");
  return out;
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  sha256_digest out{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len))
    throw std::runtime_error("OpenSSL HMAC(sha256) failed");
  return out;
}

sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(std::span{reinterpret_cast<const std::uint8_t*>(key.data()), key.size()}, data);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL EVP_DigestInit_ex(sha256) failed");
}

sha256_stream::~sha256_stream() { EVP_MD_CTX_free(ctx_); }

void sha256_stream::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1)
    throw std::runtime_error("OpenSSL EVP_DigestUpdate failed");
}

sha256_digest sha256_stream::finish() {
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1)
    throw std::runtime_error("OpenSSL EVP_DigestFinal_ex failed");
  return out;
}

std::string sha256_stream::finish_hex() { return to_hex(finish()); }

std::string sha256_file_hex(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return {};
  }
  sha256_stream h;
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    h.update(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) {
    error = "cannot read " + path;
    return {};
  }
  return h.finish_hex();
}

} // namespace hookd::crypto
