// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/credential_providers.hpp"
#include "hookd/core/read_file.hpp"

#include <cerrno>
#include <cstring>

namespace hookd::aws {
namespace net = boost::asio;

outcome<std::optional<credentials>> credentials_from_environment(const env_lookup& env) {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) return std::optional<credentials>{};
  if (!id || !secret)
    return make_error(errc::invalid_input,
                      std::string("environment credentials incomplete: ") +
                          (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                          " is not set; export both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither");
  credentials c;
  c.access_key_id = std::move(*id);
  c.secret_access_key = secret_string(std::move(*secret));
  if (auto token = env("AWS_SESSION_TOKEN")) c.session_token = secret_string(std::move(*token));
  c.source = "environment";
  return std::optional<credentials>{std::move(c)};
}

std::string selected_profile(const env_lookup& env) {
  if (auto p = env("AWS_PROFILE")) return *p;
  if (auto p = env("AWS_DEFAULT_PROFILE")) return *p;
  return "default";
}

bool profile_explicit(const env_lookup& env) { return env("AWS_PROFILE") || env("AWS_DEFAULT_PROFILE"); }

namespace {
std::string home_dir(const env_lookup& env) { return env("HOME").value_or("/root"); }

const ini_section* find_section(const ini_file* f, const std::string& name) {
  if (!f) return nullptr;
  auto it = f->sections.find(name);
  return it == f->sections.end() ? nullptr : &it->second;
}

// The config file names non-default profiles `[profile x]`; `[default]` stays bare
// (AWS CLI "Configuration and credential file settings").
const ini_section* find_config_profile(const ini_file* f, const std::string& profile) {
  if (profile == "default") {
    if (auto s = find_section(f, "default")) return s;
    return find_section(f, "profile default");
  }
  return find_section(f, "profile " + profile);
}

std::string known_profiles(const ini_file* creds_file, const ini_file* config_file) {
  std::string out;
  auto add = [&](std::string n) {
    if (out.find("'" + n + "'") != std::string::npos) return;
    if (!out.empty()) out += ", ";
    out += "'" + n + "'";
  };
  if (creds_file)
    for (const auto& [n, _] : creds_file->sections) add(n);
  if (config_file)
    for (const auto& [n, _] : config_file->sections) add(n.starts_with("profile ") ? n.substr(8) : n);
  return out.empty() ? "none" : out;
}

std::optional<std::string> value_of(const ini_section* s, std::string_view key) {
  if (!s) return std::nullopt;
  auto it = s->values.find(key);
  if (it == s->values.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// Reads a whole small file; nullopt when it does not exist, an error when it exists but cannot be read.
outcome<std::optional<std::string>> read_optional_file(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};
    return make_error(errc::io_failed, "cannot read " + path + ": " + std::strerror(errno) +
                                           "; fix its permissions or unset the variable that points at it");
  }
  return text;
}

outcome<std::optional<ini_file>> load_ini(const std::string& path) {
  auto text = read_optional_file(path);
  if (!text) return text.error();
  if (!*text) return std::optional<ini_file>{};
  auto parsed = parse_ini(**text, path);
  if (!parsed) return parsed.error();
  return std::optional<ini_file>{std::move(*parsed)};
}
} // namespace

outcome<std::optional<credentials>> credentials_from_profiles(const std::string& profile, bool required,
                                                              const ini_file* creds_file,
                                                              const ini_file* config_file) {
  const ini_section* cs = find_section(creds_file, profile);
  const ini_section* fs = find_config_profile(config_file, profile);
  if (!cs && !fs) {
    if (!required) return std::optional<credentials>{};
    return make_error(errc::not_found, "AWS profile '" + profile + "' not found in " +
                                           (creds_file ? creds_file->path : std::string("(no credentials file)")) +
                                           " or " + (config_file ? config_file->path : std::string("(no config file)")) +
                                           "; profiles that exist: " + known_profiles(creds_file, config_file));
  }
  // Each key is looked up in the credentials file first, as the AWS CLI does.
  auto lookup = [&](std::string_view key) {
    auto v = value_of(cs, key);
    return v ? v : value_of(fs, key);
  };
  auto id = lookup("aws_access_key_id");
  auto secret = lookup("aws_secret_access_key");
  const std::string where = cs ? creds_file->path + ":" + std::to_string(cs->line)
                               : config_file->path + ":" + std::to_string(fs->line);
  if (!id && !secret) {
    if (!required) return std::optional<credentials>{};
    return make_error(errc::no_credentials, "AWS profile '" + profile + "' (" + where +
                                                ") has no aws_access_key_id/aws_secret_access_key; hookd supports "
                                                "static keys in profiles, else use the instance role");
  }
  if (!id || !secret)
    return make_error(errc::invalid_input, "AWS profile '" + profile + "' (" + where + ") sets " +
                                               (id ? "aws_access_key_id but not aws_secret_access_key"
                                                   : "aws_secret_access_key but not aws_access_key_id") +
                                               "; set both");
  credentials c;
  c.access_key_id = *id;
  c.secret_access_key = secret_string(*secret);
  if (auto token = lookup("aws_session_token")) c.session_token = secret_string(*token);
  c.source = "profile:" + profile;
  return std::optional<credentials>{std::move(c)};
}

std::string shared_credentials_path(const env_lookup& env) {
  if (auto p = env("AWS_SHARED_CREDENTIALS_FILE")) return *p;
  return home_dir(env) + "/.aws/credentials";
}

std::string shared_config_path(const env_lookup& env) {
  if (auto p = env("AWS_CONFIG_FILE")) return *p;
  return home_dir(env) + "/.aws/config";
}

net::awaitable<outcome<credentials>> environment_provider::get() {
  auto r = credentials_from_environment(env_);
  if (!r) co_return r.error();
  if (!*r)
    co_return make_error(errc::no_credentials, "environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set");
  co_return std::move(**r);
}

net::awaitable<outcome<credentials>> shared_files_provider::get() {
  auto creds_file = load_ini(shared_credentials_path(env_));
  if (!creds_file) co_return creds_file.error();
  auto config_file = load_ini(shared_config_path(env_));
  if (!config_file) co_return config_file.error();
  const auto profile = selected_profile(env_);
  auto r = credentials_from_profiles(profile, profile_explicit(env_), *creds_file ? &**creds_file : nullptr,
                                     *config_file ? &**config_file : nullptr);
  if (!r) co_return r.error();
  if (!*r)
    co_return make_error(errc::no_credentials, "shared files: no profile '" + profile + "' with keys in " +
                                                   shared_credentials_path(env_) + " or " + shared_config_path(env_));
  co_return std::move(**r);
}

net::awaitable<outcome<credentials>> chain_provider::get() {
  std::string tried;
  for (auto& p : providers_) {
    auto r = co_await p->get();
    if (r) co_return r;
    if (r.error().code != make_error_code(errc::no_credentials)) co_return r.error();
    if (!tried.empty()) tried += "; ";
    tried += r.error().message();
  }
  co_return make_error(errc::no_credentials,
                       "no AWS credentials found (" + tried +
                           "); give the instance an IAM role, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE");
}

cached_provider::cached_provider(std::unique_ptr<credentials_provider> inner, clock_fn clock)
    : inner_(std::move(inner)), clock_(std::move(clock)) {}

net::awaitable<outcome<credentials>> cached_provider::get() {
  const auto now = clock_();
  const bool fresh = cached_ && !force_refresh_ &&
                     (!cached_->expiration || now + refresh_before < *cached_->expiration);
  if (fresh) co_return *cached_;

  auto r = co_await inner_->get();
  if (r) {
    force_refresh_ = false;
    last_refresh_error_.clear();
    cached_ = *r;
    co_return std::move(*r);
  }
  last_refresh_error_ = r.error().message();
  // Keep serving what we have while it is still valid: a refresh that fails 5 minutes before
  // expiry must not stop hookd mid-action. A forced refresh (ExpiredToken) has no such fallback.
  if (cached_ && !force_refresh_ && !cached_->expired_at(now)) co_return *cached_;
  co_return r.error();
}

} // namespace hookd::aws
