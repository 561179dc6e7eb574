#pragma once
// SPDX-License-Identifier: Apache-2.0
// A throw-away certificate authority and a server certificate for 127.0.0.1/localhost, made with
// OpenSSL at test (or demo) start-up, so TLS is tested for real without shipping keys.
#include "hookd/core/error.hpp"

#include <string>
#include <vector>

namespace hookd::emulator {

struct pki_files {
  std::string ca_cert;     ///< PEM: give it to hookd as AWS_CA_BUNDLE
  std::string server_cert; ///< PEM chain for the emulator
  std::string server_key;  ///< PEM private key (0600)
};

/// Writes ca.pem, server.pem and server.key into `dir` (created 0700 if missing).
outcome<pki_files> make_test_pki(const std::string& dir, const std::vector<std::string>& dns_names = {"localhost"},
                                 const std::vector<std::string>& ip_addresses = {"127.0.0.1"});

/// Copies the CA certificate `ca_pem` into `dir` under its OpenSSL subject-hash name, at the first
/// free `.N` (as c_rehash does for equal subjects), so `dir` works as SSL_CERT_DIR. Returns the path.
outcome<std::string> add_to_hashed_dir(const std::string& ca_pem, const std::string& dir);

} // namespace hookd::emulator
