// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/tls.hpp"

#include <dirent.h>
#include <string_view>
#include <sys/stat.h>

namespace hookd::http {

const std::vector<std::string>& well_known_ca_files() {
  static const std::vector<std::string> files{
      "/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Gentoo, Arch
      "/etc/pki/tls/certs/ca-bundle.crt",                  // Amazon Linux 2, RHEL, Fedora, CentOS
      "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Amazon Linux 2023, RHEL 8+
      "/etc/ssl/ca-bundle.pem",                            // SUSE, openSUSE
      "/etc/ssl/cert.pem",                                 // Alpine, macOS-style layouts
      "/etc/pki/tls/cacert.pem",                           // OpenELEC
  };
  return files;
}

const std::vector<std::string>& well_known_ca_dirs() {
  static const std::vector<std::string> dirs{"/etc/ssl/certs", "/etc/pki/tls/certs"};
  return dirs;
}

const std::vector<std::string>& well_known_hashed_ca_dirs() {
  static const std::vector<std::string> dirs{"/etc/ssl/certs", "/etc/pki/ca-trust/extracted/pem/directory-hash"};
  return dirs;
}

outcome<ca_location> find_ca_bundle(const env_lookup& env, const std::function<bool(const std::string&, bool)>& exists,
                                    const std::function<bool(const std::string&)>& hashed_dir) {
  if (auto f = env("AWS_CA_BUNDLE")) {
    if (!exists(*f, false))
      return make_error(errc::tls_failed, "AWS_CA_BUNDLE=" + *f + " does not exist; point it at a PEM file of CA certificates");
    return ca_location{*f, {}, "AWS_CA_BUNDLE"};
  }
  ca_location loc;
  if (auto f = env("SSL_CERT_FILE"); f && exists(*f, false)) loc.file = *f, loc.source = "SSL_CERT_FILE";
  if (auto d = env("SSL_CERT_DIR"); d && exists(*d, true)) {
    loc.dir = *d;
    if (loc.source.empty()) loc.source = "SSL_CERT_DIR";
  }
  if (!loc.source.empty()) return loc;
  if (hashed_dir)
    for (const auto& d : well_known_hashed_ca_dirs())
      if (exists(d, true) && hashed_dir(d)) return ca_location{{}, d, d + " (hashed: CAs read when needed)"};
  for (const auto& f : well_known_ca_files())
    if (exists(f, false)) return ca_location{f, {}, f};
  for (const auto& d : well_known_ca_dirs())
    if (exists(d, true)) return ca_location{{}, d, d};
  std::string tried;
  for (const auto& f : well_known_ca_files()) tried += (tried.empty() ? "" : ", ") + f;
  return make_error(errc::tls_failed, "no CA certificate bundle found (tried AWS_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR, " +
                                          tried + "); install the ca-certificates package or set AWS_CA_BUNDLE");
}

bool is_hash_name(std::string_view n) {
  return n.size() >= 10 && n[8] == '.' && n.substr(0, 8).find_first_not_of("0123456789abcdef") == std::string_view::npos &&
         n.substr(9).find_first_not_of("0123456789") == std::string_view::npos;
}

bool is_hashed_ca_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return false;
  bool hashed = false;
  while (const dirent* e = ::readdir(d))
    if (is_hash_name(e->d_name)) {
      hashed = true;
      break;
    }
  ::closedir(d);
  return hashed;
}

bool path_exists(const std::string& path, bool want_dir) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

} // namespace hookd::http
