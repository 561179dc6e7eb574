// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/secret.hpp"

#include <openssl/crypto.h>

namespace hookd {

// Wipe the bytes so a core dump taken later holds as few copies of a key as we can manage.
secret_string::~secret_string() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

bool operator==(const secret_string& a, const secret_string& b) noexcept {
  return a.value_.size() == b.value_.size() &&
         CRYPTO_memcmp(a.value_.data(), b.value_.data(), a.value_.size()) == 0;
}

} // namespace hookd
