#pragma once
// SPDX-License-Identifier: Apache-2.0
// SHA-256 and HMAC-SHA256 over OpenSSL EVP: the only hashing hookd does. Pure functions.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX, kept out of this header

namespace hookd::crypto {

using sha256_digest = std::array<std::uint8_t, 32>;

sha256_digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
sha256_digest hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex, as SigV4 writes hashes and signatures.
std::string to_hex(std::span<const std::uint8_t> bytes);

/// Incremental SHA-256 for data that arrives in pieces (a file streamed to or from S3).
class sha256_stream {
public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;

  void update(std::string_view data);
  sha256_digest finish();
  std::string finish_hex();

private:
  ::evp_md_ctx_st* ctx_;
};

/// Hex SHA-256 of a file's contents, read in chunks; empty on I/O error (`error` set).
std::string sha256_file_hex(const std::string& path, std::string& error);

/// The SHA-256 of an empty payload: SigV4's payload hash for a request without a body.
inline constexpr std::string_view empty_sha256_hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

} // namespace hookd::crypto
