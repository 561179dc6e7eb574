// SPDX-License-Identifier: Apache-2.0
#include "hookd/emulator/test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <sys/stat.h>

namespace hookd::emulator {
namespace {
using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

pkey_ptr new_key() { return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free); }

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

x509_ptr new_cert(EVP_PKEY* key, const std::string& cn, long serial) {
  x509_ptr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

bool write_pem(const std::string& path, const std::function<int(FILE*)>& writer, mode_t mode) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  ::chmod(path.c_str(), mode);
  const bool ok = writer(f) == 1;
  return std::fclose(f) == 0 && ok;
}
} // namespace

outcome<pki_files> make_test_pki(const std::string& dir, const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(errc::io_failed, "cannot create " + dir + ": " + std::strerror(errno));
  auto ca_key = new_key(), server_key = new_key();
  if (!ca_key || !server_key) return make_error(errc::tls_failed, "OpenSSL could not generate EC keys");

  auto ca = new_cert(ca_key.get(), "hookd test CA", 1);
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  if (!X509_sign(ca.get(), ca_key.get(), EVP_sha256())) return make_error(errc::tls_failed, "cannot sign the test CA");

  auto leaf = new_cert(server_key.get(), dns_names.empty() ? "hookd-emulator" : dns_names.front(), 2);
  X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get()));
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  add_ext(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  if (!san.empty()) add_ext(leaf.get(), ca.get(), NID_subject_alt_name, san);
  add_ext(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (!X509_sign(leaf.get(), ca_key.get(), EVP_sha256())) return make_error(errc::tls_failed, "cannot sign the server certificate");

  pki_files out{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  const bool ok = write_pem(out.ca_cert, [&](FILE* f) { return PEM_write_X509(f, ca.get()); }, 0644) &&
                  write_pem(out.server_cert, [&](FILE* f) { return PEM_write_X509(f, leaf.get()); }, 0644) &&
                  write_pem(out.server_key,
                            [&](FILE* f) { return PEM_write_PrivateKey(f, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr); },
                            0600);
  if (!ok) return make_error(errc::io_failed, "cannot write the test certificates into " + dir);
  return out;
}

outcome<std::string> add_to_hashed_dir(const std::string& ca_pem, const std::string& dir) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(ca_pem.c_str(), "r"), std::fclose);
  if (!f) return make_error(errc::io_failed, "cannot open " + ca_pem + ": " + std::strerror(errno));
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return make_error(errc::invalid_input, ca_pem + " holds no PEM certificate");
  const unsigned long hash = X509_NAME_hash_ex(X509_get_subject_name(cert.get()), nullptr, nullptr, nullptr);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (int n = 0;; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "%08lx.%d", hash, n);
    const auto target = std::filesystem::path(dir) / name;
    if (std::filesystem::exists(target)) continue;
    std::filesystem::copy_file(ca_pem, target, ec);
    if (ec) return make_error(errc::io_failed, "cannot copy " + ca_pem + " to " + target.string() + ": " + ec.message());
    return target.string();
  }
}

} // namespace hookd::emulator
