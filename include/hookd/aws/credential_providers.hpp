#pragma once
// SPDX-License-Identifier: Apache-2.0
// Where credentials come from, in the AWS CLI's order: environment, shared files, instance
// metadata (IMDS; its provider arrives with the HTTP client), all behind a caching wrapper.
#include "hookd/aws/credentials.hpp"
#include "hookd/aws/ini.hpp"
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookd::aws {

// ---- pure parts ---------------------------------------------------------------------------

/// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`. nullopt when neither key is set;
/// an error when only one of the pair is (a half-configured environment is a mistake to report).
outcome<std::optional<credentials>> credentials_from_environment(const env_lookup& env);

/// The profile name: `AWS_PROFILE` (then `AWS_DEFAULT_PROFILE`), else "default".
std::string selected_profile(const env_lookup& env);
/// Whether the profile was named explicitly (an unknown explicit profile is an error, a missing
/// "default" is not: the chain goes on to IMDS).
bool profile_explicit(const env_lookup& env);

/// Resolves `profile` from the parsed credentials and config files: the credentials file's
/// `[name]` wins over the config file's `[profile name]` (`[default]` in both). nullopt when
/// neither file has the profile and `required` is false.
outcome<std::optional<credentials>> credentials_from_profiles(const std::string& profile, bool required,
                                                              const ini_file* credentials_file,
                                                              const ini_file* config_file);

/// Paths of the shared files: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, else under $HOME/.aws.
std::string shared_credentials_path(const env_lookup& env);
std::string shared_config_path(const env_lookup& env);

// ---- providers -----------------------------------------------------------------------------

/// A source of credentials. `get()` answers `errc::no_credentials` when this source is simply not
/// configured (the chain then tries the next one); any other error stops the chain, because a
/// malformed file is a mistake the operator must hear about, not skip.
/// Not thread-safe; call from the io_context thread only.
class credentials_provider {
public:
  virtual ~credentials_provider() = default;
  virtual boost::asio::awaitable<outcome<credentials>> get() = 0;
  virtual std::string name() const = 0;
};

class environment_provider final : public credentials_provider {
public:
  explicit environment_provider(env_lookup env) : env_(std::move(env)) {}
  boost::asio::awaitable<outcome<credentials>> get() override;
  std::string name() const override { return "environment"; }

private:
  env_lookup env_;
};

/// Reads ~/.aws/credentials and ~/.aws/config on each call (they are small, and re-reading picks
/// up a key rotated on disk).
class shared_files_provider final : public credentials_provider {
public:
  explicit shared_files_provider(env_lookup env) : env_(std::move(env)) {}
  boost::asio::awaitable<outcome<credentials>> get() override;
  std::string name() const override { return "shared-files"; }

private:
  env_lookup env_;
};

/// Tries each provider in order; the first that has credentials wins. The error when none has
/// any lists what each one said.
class chain_provider final : public credentials_provider {
public:
  explicit chain_provider(std::vector<std::unique_ptr<credentials_provider>> providers)
      : providers_(std::move(providers)) {}
  boost::asio::awaitable<outcome<credentials>> get() override;
  std::string name() const override { return "chain"; }

private:
  std::vector<std::unique_ptr<credentials_provider>> providers_;
};

/// Keeps the last credentials and refreshes them `refresh_before` (5 min) ahead of `Expiration`;
/// while a refresh fails and the old ones are still valid it keeps serving them (IMDS may be
/// briefly unreachable). `invalidate()` forces a refresh (after `ExpiredToken`).
class cached_provider final : public credentials_provider {
public:
  using clock_fn = std::function<sys_time()>;
  static constexpr std::chrono::minutes refresh_before{5};

  cached_provider(std::unique_ptr<credentials_provider> inner, clock_fn clock);
  boost::asio::awaitable<outcome<credentials>> get() override;
  std::string name() const override { return inner_->name(); }
  void invalidate() { force_refresh_ = true; }
  /// The last refresh error served over (for `hookd check` and logs); empty when none.
  const std::string& last_refresh_error() const { return last_refresh_error_; }

private:
  std::unique_ptr<credentials_provider> inner_;
  clock_fn clock_;
  std::optional<credentials> cached_;
  bool force_refresh_ = false;
  std::string last_refresh_error_;
};

} // namespace hookd::aws
