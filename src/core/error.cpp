// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/error.hpp"

#include <stdexcept>

namespace hookd {
namespace {
class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "hookd"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
    case errc::invalid_input: return "invalid input";
    case errc::not_found: return "not found";
    case errc::no_credentials: return "no AWS credentials found";
    case errc::credentials_expired: return "AWS credentials expired";
    case errc::signing_failed: return "request cannot be signed";
    case errc::io_failed: return "local I/O failed";
    case errc::timeout: return "network deadline passed";
    case errc::connection_failed: return "connection failed";
    case errc::tls_failed: return "TLS failed";
    case errc::protocol_error: return "HTTP protocol error";
    case errc::too_large: return "response too large";
    case errc::service_error: return "AWS returned an error";
    case errc::cancelled: return "cancelled";
    }
    return "unknown hookd error";
  }
};
} // namespace

const std::error_category& hookd_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), hookd_category()}; }

std::string error::message() const { return context.empty() ? code.message() : context; }

error make_error(errc e, std::string context) {
  error out;
  out.code = make_error_code(e);
  out.context = std::move(context);
  return out;
}

error wrap_error(const error& e, const std::string& where) {
  error out = e;
  out.context = where + ": " + e.message();
  return out;
}

void throw_exception_from_error(const error& e, const boost::source_location&) {
  throw std::system_error(e.code, e.message());
}

} // namespace hookd
