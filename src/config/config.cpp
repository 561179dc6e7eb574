// SPDX-License-Identifier: Apache-2.0
#include "hookd/config/config.hpp"

#include "table.hpp"

#include <algorithm>
#include <functional>

namespace hookd::config {
namespace {

const setting* by_flag(const std::string& flag) {
  for (const auto& s : table())
    if (s.flag == flag) return &s;
  return nullptr;
}

error invalid(const setting& s, const std::string& source, const std::string& accepted) {
  // The key and the place, never the value: a value pasted into the wrong line can be a secret.
  return make_error(errc::invalid_input, "invalid " + s.flag.substr(2) + " (" + s.var + ") from " + source +
                                             ": expected " + accepted);
}

using sourced = std::vector<std::tuple<const setting*, std::string, std::string>>; // setting, value, where

/// A repeatable setting given several times by one source becomes one value, its lines joined
/// with newlines, so that its setter replaces what a lower source gave rather than adding to it.
void join_repeats(sourced& items) {
  for (auto it = items.begin(); it != items.end();) {
    auto first = std::find_if(items.begin(), it, [&](const auto& e) { return std::get<0>(e) == std::get<0>(*it); });
    if (std::get<0>(*it)->repeatable && first != it) {
      std::get<1>(*first) += "\n" + std::get<1>(*it);
      it = items.erase(it);
    } else {
      ++it;
    }
  }
}

} // namespace

outcome<parse_result> load(const std::vector<std::string>& args, const env_lookup& env,
                           const std::function<std::optional<std::string>(const std::string&)>& file_text) {
  parse_result r;
  // Pass 1: the command line, kept aside so it can override everything else later.
  sourced from_flags; // setting, value, spelled flag
  std::string config_path;
  bool config_explicit = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      r.help = true;
      continue;
    }
    if (a == "-V" || a == "--version") {
      r.version = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (a == "--") {
        for (++i; i < args.size(); ++i) r.positional.push_back(args[i]);
        break;
      }
      r.positional.push_back(a);
      continue;
    }
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
      has_value = true;
    }
    if (a == "--config") {
      if (!has_value) {
        if (i + 1 >= args.size()) return make_error(errc::invalid_input, "--config needs a file path");
        value = args[++i];
      }
      config_path = value;
      config_explicit = true;
      continue;
    }
    const setting* s = by_flag(a);
    if (!s) return make_error(errc::invalid_input, "unknown option '" + a + "'; run 'hookd --help' for the list");
    if (!s->arg.empty() && !has_value) {
      if (i + 1 >= args.size()) return make_error(errc::invalid_input, a + " needs a value (" + s->arg + ")");
      value = args[++i];
    }
    from_flags.emplace_back(s, value, a);
  }
  if (!r.positional.empty() &&
      (r.positional[0] == "run" || r.positional[0] == "simulate" || r.positional[0] == "check" || r.positional[0] == "cp" ||
       r.positional[0] == "status")) {
    r.command = r.positional[0];
    r.positional.erase(r.positional.begin());
  }
  if (r.help || r.version) return r;

  // Pass 2: the config file (explicit, HOOKD_CONFIG, or /etc/hookd/hookd.conf when present).
  if (!config_explicit) {
    if (auto v = env("HOOKD_CONFIG")) config_path = *v, config_explicit = true;
    else config_path = "/etc/hookd/hookd.conf";
  }
  if (auto text = file_text(config_path)) {
    auto lines = parse_env_file(*text, config_path);
    if (!lines) return lines.error();
    r.s.config_file = config_path;
    sourced from_file;
    for (const auto& [key, vl] : *lines) {
      const auto& [value, line] = vl;
      const setting* s = nullptr;
      for (const auto& t : table())
        if (t.var == key) s = &t;
      if (!s) {
        if (key.rfind("HOOKD_", 0) == 0 && key != "HOOKD_CONFIG")
          return make_error(errc::invalid_input, config_path + ":" + std::to_string(line) + ": unknown setting " + key +
                                                     "; run 'hookd --help' for the list");
        r.s.file_env[key] = value;
        continue;
      }
      from_file.emplace_back(s, value, config_path + ":" + std::to_string(line));
    }
    join_repeats(from_file);
    for (const auto& [s, value, where] : from_file)
      if (auto e = s->apply(r.s, value)) return invalid(*s, where, *e);
  } else if (config_explicit) {
    return make_error(errc::not_found, "config file " + config_path + " not found (from " +
                                           (env("HOOKD_CONFIG") ? "HOOKD_CONFIG" : "--config") + ")");
  }

  // Pass 3: the environment.
  for (const auto& s : table()) {
    auto v = env(s.var);
    if (!v && s.var == "AWS_REGION") v = env("AWS_DEFAULT_REGION");
    if (v)
      if (auto e = s.apply(r.s, *v)) return invalid(s, "environment variable " + s.var, *e);
  }
  // Pass 4: flags win.
  join_repeats(from_flags);
  for (const auto& [s, value, spelled] : from_flags)
    if (auto e = s->apply(r.s, value)) return invalid(*s, "command line " + spelled, *e);

  if (r.s.create_hook && r.s.notification_target_arn.empty())
    return make_error(errc::invalid_input, "--create-hook needs --notification-target-arn (the queue's ARN)");
  if (auto e = ready_settings_conflict(r.s.ready)) return make_error(errc::invalid_input, *e);
  // Region from the file's AWS_REGION as well (a common bootstrap line).
  if (r.s.region.empty()) {
    if (auto it = r.s.file_env.find("AWS_REGION"); it != r.s.file_env.end()) r.s.region = it->second;
    else if (auto it2 = r.s.file_env.find("AWS_DEFAULT_REGION"); it2 != r.s.file_env.end()) r.s.region = it2->second;
  }
  return r;
}

env_lookup effective_env(const settings& s, const env_lookup& env) {
  return [file = s.file_env, env](std::string_view name) -> std::optional<std::string> {
    if (auto v = env(name)) return v;
    auto it = file.find(name);
    if (it == file.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string help_table() {
  std::string out;
  for (const auto& s : table()) {
    std::string left = "  " + s.flag + (s.arg.empty() ? "" : " " + s.arg);
    if (left.size() < 36) left.resize(36, ' ');
    std::string var = s.var;
    if (var.size() < 30) var.resize(30, ' ');
    out += left + " " + var + " " + s.help + "\n";
  }
  return out;
}

} // namespace hookd::config
