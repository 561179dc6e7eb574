#pragma once
// SPDX-License-Identifier: Apache-2.0
// Errors as values: `outcome<T>` is what every pure function and every AWS-level call returns.
// An `error` reads as one line for an operator: what failed, where, and what to do about it.
#include <boost/system/result.hpp>
#include <boost/assert/source_location.hpp>
#include <string>
#include <system_error>

namespace hookd {

/// hookd's own failure kinds; I/O errors keep their system/asio error_code instead.
enum class errc {
  invalid_input = 1,   ///< malformed text: a config line, a JSON body, a header
  not_found,           ///< a file, profile, key or setting that does not exist
  no_credentials,      ///< no provider in the chain produced credentials
  credentials_expired, ///< credentials exist but are past their expiration
  signing_failed,      ///< a request that SigV4 refuses to sign (forbidden header, bad input)
  io_failed,           ///< a local file could not be read or written
  timeout,             ///< a network deadline passed (connect, TLS, write or read)
  connection_failed,   ///< resolve/connect failed, or the peer closed or reset the connection
  tls_failed,          ///< TLS handshake or certificate verification failed; no CA bundle
  protocol_error,      ///< a malformed HTTP exchange, or a proxy that refused CONNECT
  too_large,           ///< a response body over its limit
  service_error,       ///< AWS answered with an error (see aws::service_error)
  cancelled,           ///< the caller cancelled the request (the script ended, hookd is stopping): never retried
};

const std::error_category& hookd_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

/// One failure: a code to branch on, and the sentence a user reads.
struct error {
  std::error_code code;
  std::string context; ///< "what failed, where, what to do": one line, never a secret
  std::string aws_code;     ///< set when AWS answered with an error: "ValidationError", "NoSuchKey", ...
  unsigned http_status = 0; ///< the HTTP status of that answer

  /// The line to print: the context, or the code's message when there is none.
  std::string message() const;
};

error make_error(errc e, std::string context);
/// The same failure, its line prefixed with where it happened ("SQS ReceiveMessage at ...: ").
error wrap_error(const error& e, const std::string& where);

template <class T>
using outcome = boost::system::result<T, error>;

/// Lets `outcome<T>::value()` throw when it holds an error (a bug at the call site).
[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

} // namespace hookd

template <>
struct std::is_error_code_enum<hookd::errc> : std::true_type {};
