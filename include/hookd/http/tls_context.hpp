#pragma once
// SPDX-License-Identifier: Apache-2.0
// The client side of TLS for one http::client: the OpenSSL context with its CA certificates,
// built on the first HTTPS request, and the newest session per origin, which the next connection
// there resumes. Resumption skips the certificate chain, whose parsing and verification are most
// of a full handshake's CPU on the one thread, at the moment an action starts.
#include "hookd/core/error.hpp"
#include "hookd/http/ca_bundle.hpp"
#include "hookd/http/tls.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;
struct ssl_session_st;

namespace hookd::http {

class tls_context {
public:
  /// `locate` finds the CA certificates (find_ca_bundle with the client's environment).
  explicit tls_context(std::function<outcome<ca_location>()> locate);
  ~tls_context();
  // OpenSSL's callbacks hold this object's address.
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  /// The context, built and its CA certificates loaded on the first call.
  outcome<boost::asio::ssl::context*> get();

  /// Before a handshake to `origin`: offers the origin's session and tags the connection so its
  /// new sessions are kept. `origin` must outlive the connection's TLS stream.
  void prepare(ssl_st* ssl, const std::string& origin);
  /// After a successful handshake: counts a resumption.
  void handshake_done(ssl_st* ssl);
  /// A connection to `origin` failed in TLS: its session is not offered again.
  void forget(const std::string& origin) { sessions_.erase(origin); }

  std::size_t sessions_resumed() const noexcept { return resumed_; }
  /// Where the CA certificates were loaded from, once get() succeeded.
  const std::string& ca_source() const noexcept { return ca_source_; }

private:
  static int on_new_session(ssl_st* ssl, ssl_session_st* session);

  struct session_free {
    void operator()(ssl_session_st* s) const noexcept;
  };
  std::function<outcome<ca_location>()> locate_;
  std::unique_ptr<ca_bundle> bundle_; // before ctx_: the context's store points at it
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::string ca_source_;
  std::map<std::string, std::unique_ptr<ssl_session_st, session_free>> sessions_;
  std::size_t resumed_ = 0;
};

} // namespace hookd::http
