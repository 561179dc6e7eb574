#pragma once
// SPDX-License-Identifier: Apache-2.0
// A PEM bundle of CA certificates read on demand, as OpenSSL reads a hashed directory: an index
// of subject-name hashes to places in the file is built once, and a certificate is parsed into
// the trust store only when a server's chain names it. Loading a whole system bundle (Amazon
// Linux 2 and RHEL 8 have only that) decodes some 140 certificates and their keys: about 1.2 MB
// of heap kept for the process's life and milliseconds of CPU before the first request.
#include "hookd/core/error.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

struct x509_store_st;
struct X509_name_st;

namespace hookd::http {

/// The DER of a certificate's subject Name (tag and length included), found by walking the
/// tbsCertificate; nullopt for anything that is not a well-formed certificate's start. Pure.
std::optional<std::string_view> der_subject(std::string_view certificate_der);

class ca_bundle {
public:
  /// Reads `path` once and indexes its certificates; an unreadable file or one without a
  /// certificate is an error naming the file.
  static outcome<ca_bundle> index(const std::string& path);

  /// Makes `store` consult this bundle whenever it looks for a certificate by name. The bundle
  /// must outlive the store's use; it is not copied.
  void attach(x509_store_st* store);

  std::size_t certificates() const noexcept { return entries_.size(); }
  /// Certificates parsed into a store so far.
  std::size_t loaded() const noexcept;

  /// Adds the certificates named `subject` to `store`, once each. Rebuilds the index when the
  /// file changed since (a CA update rewrites it in place).
  void load(x509_store_st* store, const X509_name_st* subject);

private:
  struct entry {
    unsigned long hash; ///< X509_NAME_hash_ex of the subject, as hashed directories name files
    std::size_t begin, end;
    bool loaded = false;
    static bool by_hash(const entry& a, const entry& b) { return a.hash < b.hash; }
  };
  outcome<void> rebuild();

  std::string path_;
  off_t size_ = 0;
  long long mtime_ns_ = 0;
  std::vector<entry> entries_; // sorted by hash
};

} // namespace hookd::http
