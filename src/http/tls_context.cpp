// SPDX-License-Identifier: Apache-2.0
#include "hookd/http/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

namespace hookd::http {
namespace ssl = boost::asio::ssl;

namespace {

// Our slots beside OpenSSL's app data, which Asio keeps for its own verify callbacks.
struct ex_indices {
  int ctx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  int ssl = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
};
const ex_indices& ex_index() {
  static const ex_indices i;
  return i;
}

} // namespace

tls_context::tls_context(std::function<outcome<ca_location>()> locate) : locate_(std::move(locate)) {}

tls_context::~tls_context() = default;

void tls_context::session_free::operator()(ssl_session_st* s) const noexcept { SSL_SESSION_free(s); }

outcome<ssl::context*> tls_context::get() {
  if (ctx_) return ctx_.get();
  auto loc = locate_();
  if (!loc) return loc.error();
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx->set_verify_mode(ssl::verify_peer);
  // Sessions are kept per origin by us (sessions_), not in OpenSSL's cache, which keys them by
  // nothing a client can choose.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(native, &tls_context::on_new_session);
  SSL_CTX_set_ex_data(native, ex_index().ctx, this);
  if (!loc->file.empty()) {
    // Read on demand, as a hashed directory is (see ca_bundle).
    auto bundle = ca_bundle::index(loc->file);
    if (!bundle) return make_error(errc::tls_failed, bundle.error().message() + " (" + loc->source + ")");
    bundle_ = std::make_unique<ca_bundle>(std::move(*bundle));
    bundle_->attach(SSL_CTX_get_cert_store(native));
  }
  boost::system::error_code ec;
  if (!loc->dir.empty()) ctx->add_verify_path(loc->dir, ec);
  if (ec)
    return make_error(errc::tls_failed, "cannot load CA certificates from " + loc->dir + " (" + loc->source +
                                            "): " + ec.message() + "; point AWS_CA_BUNDLE at a PEM bundle");
  ca_source_ = loc->source;
  ctx_ = std::move(ctx);
  return ctx_.get();
}

// Keyed by origin (host and port), so a session only ever resumes with the host whose
// certificate was verified for it.
void tls_context::prepare(SSL* ssl, const std::string& origin) {
  SSL_set_ex_data(ssl, ex_index().ssl, const_cast<std::string*>(&origin));
  if (auto s = sessions_.find(origin); s != sessions_.end()) SSL_set_session(ssl, s->second.get());
}

void tls_context::handshake_done(SSL* ssl) {
  if (SSL_session_reused(ssl)) ++resumed_;
}

// OpenSSL hands over each new session (TLS 1.3: each ticket, read with a response); the newest
// one per origin is kept, as a copy: OpenSSL marks its own object unresumable when the
// connection is later dropped without close_notify, which is how keep-alive connections end.
int tls_context::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<tls_context*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index().ctx));
  const auto* origin = static_cast<const std::string*>(SSL_get_ex_data(ssl, ex_index().ssl));
  if (!self || !origin || !SSL_SESSION_is_resumable(session)) return 0;
  if (auto* copy = SSL_SESSION_dup(session)) self->sessions_[*origin].reset(copy);
  return 0; // we took a copy, not OpenSSL's reference
}

} // namespace hookd::http
