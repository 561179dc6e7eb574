// SPDX-License-Identifier: Apache-2.0
// A CA bundle as hookd reads one: the DER walk to a certificate's subject, and the index and
// on-demand loading of a PEM file of any content.
#include "hookd/http/ca_bundle.hpp"

#include <openssl/x509.h>

#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto s = hookd::http::der_subject(input))
    if (s->data() < input.data() || s->data() + s->size() > input.data() + input.size()) __builtin_trap();
  static const std::string path = "/tmp/hookd-fuzz-ca-bundle-" + std::to_string(::getpid()) + ".pem";
  if (FILE* f = std::fopen(path.c_str(), "w")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  if (auto bundle = hookd::http::ca_bundle::index(path)) {
    X509_STORE* store = X509_STORE_new();
    X509_NAME* name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("x"), -1, -1, 0);
    bundle->load(store, name);
    X509_NAME_free(name);
    X509_STORE_free(store);
  }
  return 0;
}
