#pragma once
// SPDX-License-Identifier: Apache-2.0
// Secret keys, session tokens and signatures live in `secret_string`. It has no stream operator,
// no formatter and no implicit conversion, so a secret cannot reach a log line by accident: the
// only way out is the deliberately loud `reveal()`, called where the bytes go on the wire or into
// an HMAC.
#include <string>
#include <string_view>

namespace hookd {

class secret_string {
public:
  secret_string() = default;
  explicit secret_string(std::string value) : value_(std::move(value)) {}
  secret_string(const secret_string&) = default;
  secret_string(secret_string&&) noexcept = default;
  secret_string& operator=(const secret_string&) = default;
  secret_string& operator=(secret_string&&) noexcept = default;
  ~secret_string();

  bool empty() const noexcept { return value_.empty(); }
  std::size_t size() const noexcept { return value_.size(); }

  /// The secret itself. Every call site is a place a secret leaves this type: keep them few.
  std::string_view reveal() const noexcept { return value_; }

  /// Constant-time comparison: the emulator compares signatures with it.
  friend bool operator==(const secret_string& a, const secret_string& b) noexcept;

  /// What a log line may show instead of the value.
  static constexpr std::string_view redacted = "<redacted>";

private:
  std::string value_;
};

} // namespace hookd
