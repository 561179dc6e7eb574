#pragma once
// SPDX-License-Identifier: Apache-2.0
// The value every AWS request is signed with. Providers that produce it live in
// credential_providers.hpp; this header is pure data so the signer can depend on it alone.
#include "hookd/core/secret.hpp"
#include "hookd/core/time.hpp"

#include <optional>
#include <string>

namespace hookd::aws {

struct credentials {
  std::string access_key_id;           ///< not secret: it names the key, and appears in logs and scopes
  secret_string secret_access_key;
  secret_string session_token;         ///< empty for long-term keys
  std::optional<sys_time> expiration;  ///< set for temporary credentials
  std::string source;                  ///< "environment", "shared-credentials-file:default", "imds:role", ...

  bool temporary() const noexcept { return !session_token.empty(); }
  bool expired_at(sys_time now) const noexcept { return expiration && *expiration <= now; }
};

} // namespace hookd::aws
