// SPDX-License-Identifier: Apache-2.0
// The CA bundle read on demand: a chain verifies against a bundle of many CAs while only the CA
// it names is parsed; another CA under the same name is refused; a rewritten bundle is re-indexed.
#include "hookd/emulator/test_pki.hpp"
#include "hookd/http/ca_bundle.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

using namespace hookd;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ostringstream s;
  s << std::ifstream(p).rdbuf();
  return s.str();
}

// A self-signed CA certificate named `cn`, as PEM.
std::string self_signed_pem(const std::string& cn) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_sign(cert.get(), key.get(), EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::unique_ptr<X509, decltype(&X509_free)> first_cert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return {PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr), X509_free};
}

// X509_verify_cert of `leaf` against a fresh store that consults `bundle`.
int verify(http::ca_bundle& bundle, X509* leaf, std::size_t* objects = nullptr) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  bundle.attach(store.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  const int ok = X509_verify_cert(ctx.get());
  if (objects) *objects = static_cast<std::size_t>(sk_X509_OBJECT_num(X509_STORE_get0_objects(store.get())));
  return ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
}

class ca_bundle_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("hookd-ca-bundle-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    pki = emulator::make_test_pki((dir / "pki").string()).value();
    other = emulator::make_test_pki((dir / "other").string()).value(); // same CA name, another key
    for (int i = 0; i < 20; ++i) padding.push_back(self_signed_pem("padding CA " + std::to_string(i)));
  }
  void TearDown() override { fs::remove_all(dir); }

  // Padding CAs, a comment, a private key block, then the test CA: what system bundles look like.
  void write_bundle(std::size_t pads) {
    std::ofstream out(dir / "bundle.pem", std::ios::trunc);
    for (std::size_t i = 0; i < pads; ++i) out << "# padding " << i << "\n" << padding[i];
    out << slurp(pki.server_key) << slurp(pki.ca_cert);
  }

  fs::path dir;
  emulator::pki_files pki, other;
  std::vector<std::string> padding;
};

TEST_F(ca_bundle_test, a_chain_verifies_and_only_its_ca_is_parsed) {
  write_bundle(20);
  auto bundle = http::ca_bundle::index((dir / "bundle.pem").string());
  ASSERT_TRUE(bundle) << bundle.error().message();
  EXPECT_EQ(bundle->certificates(), 21u) << "the private key block is not a certificate";
  EXPECT_EQ(bundle->loaded(), 0u);
  auto leaf = first_cert(slurp(pki.server_cert));
  std::size_t objects = 0;
  EXPECT_EQ(verify(*bundle, leaf.get(), &objects), X509_V_OK);
  EXPECT_EQ(bundle->loaded(), 1u);
  EXPECT_EQ(objects, 1u) << "only the CA the chain names reached the store";
}

TEST_F(ca_bundle_test, another_ca_under_the_same_name_is_refused) {
  write_bundle(3);
  auto bundle = http::ca_bundle::index((dir / "bundle.pem").string()).value();
  auto foreign = first_cert(slurp(other.server_cert));
  EXPECT_NE(verify(bundle, foreign.get()), X509_V_OK);
  auto self_signed = first_cert(padding[5]);
  EXPECT_EQ(verify(bundle, self_signed.get()), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) << "padding 5 is not in this bundle";
}

TEST_F(ca_bundle_test, a_rewritten_bundle_is_indexed_again) {
  write_bundle(20);
  auto bundle = http::ca_bundle::index((dir / "bundle.pem").string()).value();
  write_bundle(7); // the test CA now lies elsewhere in a shorter file
  auto leaf = first_cert(slurp(pki.server_cert));
  EXPECT_EQ(verify(bundle, leaf.get()), X509_V_OK);
  EXPECT_EQ(bundle.certificates(), 8u);
}

TEST_F(ca_bundle_test, unreadable_or_empty_bundles_are_clear_errors) {
  auto missing = http::ca_bundle::index((dir / "nope.pem").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("nope.pem"), std::string::npos) << missing.error().message();
  std::ofstream(dir / "keys.pem") << slurp(pki.server_key);
  auto keys = http::ca_bundle::index((dir / "keys.pem").string());
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message().find("no certificate in CA bundle"), std::string::npos) << keys.error().message();
}

TEST(der_subject, finds_the_subject_and_never_reads_past_its_input) {
  auto cert = first_cert(self_signed_pem("subject under test"));
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert.get(), &der);
  ASSERT_GT(n, 0);
  const std::string whole(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  unsigned char* name = nullptr;
  const int m = i2d_X509_NAME(X509_get_subject_name(cert.get()), &name);
  const std::string expected(reinterpret_cast<char*>(name), static_cast<std::size_t>(m));
  OPENSSL_free(name);
  EXPECT_EQ(http::der_subject(whole), std::optional<std::string_view>(expected));
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    const std::string_view prefix(whole.data(), cut);
    const auto s = http::der_subject(prefix);
    if (s) {
      EXPECT_LE(s->data() + s->size(), prefix.data() + prefix.size()) << "cut at " << cut;
    }
  }
  EXPECT_FALSE(http::der_subject("\x30\x84\xff\xff\xff\xff"));
  EXPECT_FALSE(http::der_subject(std::string_view("\x30\x00", 2)));
}

} // namespace
