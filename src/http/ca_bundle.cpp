// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/ca_bundle.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd::http {

namespace {

// One DER TLV: its tag, its content, and the whole of it (header included).
struct tlv {
  unsigned char tag = 0;
  std::string_view content, whole;
};

// Reads the TLV at the front of `in` and advances past it. Single-byte tags are all X.509's
// certificate skeleton uses; lengths up to four bytes cover any certificate.
std::optional<tlv> next_tlv(std::string_view& in) {
  if (in.size() < 2) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t header = 2, length = p[1];
  if (length & 0x80) {
    const std::size_t bytes = length & 0x7f;
    if (bytes == 0 || bytes > 4 || in.size() < 2 + bytes) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | p[2 + i];
    header += bytes;
  }
  if (in.size() - header < length) return std::nullopt;
  tlv t{p[0], in.substr(header, length), in.substr(0, header + length)};
  in.remove_prefix(header + length);
  return t;
}

struct bio_free {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct name_free {
  void operator()(X509_NAME* n) const noexcept { X509_NAME_free(n); }
};
struct x509_free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

unsigned long name_hash(const X509_NAME* name) {
  int ok = 0;
  const unsigned long h = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
  return ok ? h : 0;
}

outcome<std::string> read_file(const std::string& path, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    const int e = errno;
    if (fd >= 0) ::close(fd);
    return make_error(errc::tls_failed, "cannot read CA bundle " + path + ": " + std::strerror(e) +
                                            "; point AWS_CA_BUNDLE at a readable PEM bundle");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

long long mtime_ns(const struct stat& st) {
  return static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

// The bytes [begin, end) of the file, or fewer when it has shrunk.
std::string read_range(const std::string& path, std::size_t begin, std::size_t end) {
  std::string out(end - begin, '\0');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const ssize_t n = fd < 0 ? -1 : ::pread(fd, out.data(), out.size(), static_cast<off_t>(begin));
  if (fd >= 0) ::close(fd);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

// The ex_data slot of X509_STORE that points at its bundle.
int store_index() {
  static const int i = X509_STORE_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return i;
}

ca_bundle* bundle_of(X509_STORE_CTX* ctx) {
  return static_cast<ca_bundle*>(X509_STORE_get_ex_data(X509_STORE_CTX_get0_store(ctx), store_index()));
}

// OpenSSL's two ways of asking the store for certificates by name (an issuer while building a
// chain; all certificates of a subject when checking trust), each loading the name first.
int get_issuer(X509** issuer, X509_STORE_CTX* ctx, X509* x) {
  if (auto* b = bundle_of(ctx)) b->load(X509_STORE_CTX_get0_store(ctx), X509_get_issuer_name(x));
  return X509_STORE_CTX_get1_issuer(issuer, ctx, x);
}

STACK_OF(X509) * lookup_certs(X509_STORE_CTX* ctx, const X509_NAME* name) {
  if (auto* b = bundle_of(ctx)) b->load(X509_STORE_CTX_get0_store(ctx), name);
  return X509_STORE_CTX_get1_certs(ctx, name);
}

} // namespace

std::optional<std::string_view> der_subject(std::string_view der) {
  auto cert = next_tlv(der);
  if (!cert || cert->tag != 0x30) return std::nullopt;
  auto body = cert->content;
  auto tbs = next_tlv(body);
  if (!tbs || tbs->tag != 0x30) return std::nullopt;
  auto fields = tbs->content;
  auto field = next_tlv(fields);
  if (field && field->tag == 0xa0) field = next_tlv(fields); // [0] version, absent in v1
  // serial, signature algorithm, issuer, validity, then the subject
  const unsigned char skeleton[] = {0x02, 0x30, 0x30, 0x30};
  for (const unsigned char tag : skeleton) {
    if (!field || field->tag != tag) return std::nullopt;
    field = next_tlv(fields);
  }
  if (!field || field->tag != 0x30) return std::nullopt;
  return field->whole;
}

outcome<ca_bundle> ca_bundle::index(const std::string& path) {
  ca_bundle b;
  b.path_ = path;
  if (auto r = b.rebuild(); !r) return r.error();
  return b;
}

// Decodes each PEM block (base64 only: no certificate or key object is built), hashes its
// subject as OpenSSL names hashed-directory files, and remembers where the block lies.
outcome<void> ca_bundle::rebuild() {
  struct stat st{};
  auto text = read_file(path_, st);
  if (!text) return text.error();
  std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  std::vector<entry> entries;
  char *name = nullptr, *header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  for (std::size_t begin = 0; PEM_read_bio(bio.get(), &name, &header, &data, &len) == 1;
       begin = text->size() - static_cast<std::size_t>(BIO_pending(bio.get()))) {
    const std::string_view kind(name);
    const bool certificate = kind == PEM_STRING_X509 || kind == PEM_STRING_X509_OLD || kind == PEM_STRING_X509_TRUSTED;
    const auto subject = certificate ? der_subject({reinterpret_cast<const char*>(data), static_cast<std::size_t>(len)})
                                     : std::nullopt;
    const auto* p = subject ? reinterpret_cast<const unsigned char*>(subject->data()) : nullptr;
    std::unique_ptr<X509_NAME, name_free> parsed(p ? d2i_X509_NAME(nullptr, &p, static_cast<long>(subject->size())) : nullptr);
    const std::size_t end = text->size() - static_cast<std::size_t>(BIO_pending(bio.get()));
    if (parsed) entries.push_back({name_hash(parsed.get()), begin, end});
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
  }
  ERR_clear_error(); // the end of the text reads as "no start line"
  if (entries.empty())
    return make_error(errc::tls_failed, "no certificate in CA bundle " + path_ + "; point AWS_CA_BUNDLE at a PEM bundle");
  std::stable_sort(entries.begin(), entries.end(), &entry::by_hash);
  entries_ = std::move(entries);
  size_ = st.st_size;
  mtime_ns_ = mtime_ns(st);
  return {};
}

void ca_bundle::attach(X509_STORE* store) {
  X509_STORE_set_ex_data(store, store_index(), this);
  X509_STORE_set_get_issuer(store, &get_issuer);
  X509_STORE_set_lookup_certs(store, &lookup_certs);
}

std::size_t ca_bundle::loaded() const noexcept {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(), [](const entry& e) { return e.loaded; }));
}

void ca_bundle::load(X509_STORE* store, const X509_NAME* subject) {
  // Rewritten since it was indexed (a CA update): the places are stale. A failed rebuild keeps
  // the old index, and the chain then fails verification with OpenSSL's own reason.
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0 && (mtime_ns(st) != mtime_ns_ || st.st_size != size_)) (void)rebuild();
  const auto [first, last] = std::equal_range(entries_.begin(), entries_.end(), entry{name_hash(subject), 0, 0}, &entry::by_hash);
  for (auto it = first; it != last; ++it) {
    if (it->loaded) continue;
    const auto block = read_range(path_, it->begin, it->end);
    std::unique_ptr<BIO, bio_free> bio(BIO_new_mem_buf(block.data(), static_cast<int>(block.size())));
    std::unique_ptr<X509, x509_free> cert(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    // Another subject under the same hash (a collision) is left for its own name.
    if (!cert || X509_NAME_cmp(X509_get_subject_name(cert.get()), subject) != 0) continue;
    X509_STORE_add_cert(store, cert.get());
    it->loaded = true;
  }
}

} // namespace hookd::http
