#pragma once
// SPDX-License-Identifier: Apache-2.0
// Where the CA certificates are, for a static binary that runs on any distribution: OpenSSL's
// compiled-in OPENSSLDIR is Debian's, which is wrong on Amazon Linux, so hookd looks for itself
// (the order Go's crypto/x509 root_linux.go uses, after the SDKs' AWS_CA_BUNDLE). Pure.
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::http {

struct ca_location {
  std::string file; ///< a PEM bundle, or empty
  std::string dir;  ///< a hashed certificate directory, or empty
  std::string source; ///< "AWS_CA_BUNDLE", "SSL_CERT_FILE", "/etc/pki/tls/certs/ca-bundle.crt", ...
};

/// The well-known bundle paths, in probe order: Debian/Ubuntu, RHEL/Amazon Linux (two), SUSE,
/// Alpine/OpenBSD-style, and the directories.
const std::vector<std::string>& well_known_ca_files();
const std::vector<std::string>& well_known_ca_dirs();

/// The well-known hashed directories (OpenSSL's `<subject hash>.<n>` names), in probe order:
/// Debian/Ubuntu/Alpine/SUSE, then RHEL 9 and Amazon Linux 2023.
const std::vector<std::string>& well_known_hashed_ca_dirs();

/// `AWS_CA_BUNDLE` (must exist when set), then `SSL_CERT_FILE` / `SSL_CERT_DIR`, then the
/// well-known paths. A well-known hashed directory comes before the bundles when `hashed_dir`
/// is given and confirms it: OpenSSL then reads only the CA a server's chain names, when it is
/// needed, instead of decoding some 140 certificates (about 1 MB of heap) at the first connection.
/// `exists(path, want_dir)` and `hashed_dir(path)` are injected so tests need no filesystem.
outcome<ca_location> find_ca_bundle(const env_lookup& env, const std::function<bool(const std::string&, bool)>& exists,
                                    const std::function<bool(const std::string&)>& hashed_dir = {});

/// `exists` for the real filesystem.
bool path_exists(const std::string& path, bool want_dir);

/// An OpenSSL hashed-directory name: eight lower-case hex digits, a dot, a number (`5ad8a5d6.0`).
bool is_hash_name(std::string_view file_name);

/// `hashed_dir` for the real filesystem: the directory holds an entry named like `5ad8a5d6.0`.
bool is_hashed_ca_dir(const std::string& path);

} // namespace hookd::http
