// SPDX-License-Identifier: Apache-2.0
#include "hookd/sigv4/canonical.hpp"

#include <algorithm>
#include <cctype>

namespace hookd::sigv4 {
namespace {
bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SigV4 (like botocore's `' '.join(value.split())`) treats every ASCII whitespace as a separator;
// aws-c-auth's s_is_space documents the same choice.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
} // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (unsigned char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const auto next = std::min(path.find('/', pos), path.size());
    const auto seg = path.substr(pos, next - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = next + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) out.push_back('/');
    out.append(segments[i]);
  }
  if (!segments.empty() && !path.empty() && path.back() == '/') out.push_back('/');
  return out;
}

std::string canonical_path(std::string_view wire_path, path_rules rules) {
  if (wire_path.empty()) return "/";
  std::string path = rules.normalize ? normalize_path(wire_path) : std::string(wire_path);
  return rules.double_encode ? uri_encode(path, /*keep_slash=*/true) : path;
}

query_list parse_query(std::string_view raw) {
  query_list out;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    const auto item = raw.substr(pos, amp - pos);
    if (!item.empty()) {
      const auto eq = item.find('=');
      if (eq == std::string_view::npos)
        out.emplace_back(uri_decode(item), std::string{});
      else
        out.emplace_back(uri_decode(item.substr(0, eq)), uri_decode(item.substr(eq + 1)));
    }
    pos = amp + 1;
  }
  return out;
}

std::string canonical_query(const query_list& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [k, v] : params) encoded.emplace_back(uri_encode(k), uri_encode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

bool is_unsigned_header(std::string_view n) {
  return n == "user-agent" || n == "x-amzn-trace-id" || n == "connection" || n == "transfer-encoding" ||
         n == "expect" || n == "upgrade" || n == "te" || n == "keep-alive" || n == "authorization" ||
         n.starts_with("proxy-");
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

canonical_header_block canonical_headers(const header_list& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& h : headers) lowered.emplace_back(to_lower(h.name), canonical_header_value(h.value));
  // Stable: repeated names keep the order they were sent in, which is the order AWS joins them.
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  canonical_header_block out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      out.block.back() = ',';
      out.block += lowered[i].second;
      out.block.push_back('\n');
      continue;
    }
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += lowered[i].first;
    out.block += lowered[i].first;
    out.block.push_back(':');
    out.block += lowered[i].second;
    out.block.push_back('\n');
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query_string, const canonical_header_block& headers,
                              std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query_string.size() + headers.block.size() +
              headers.signed_headers.size() + payload_hash.size() + 8);
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query_string).push_back('\n');
  out.append(headers.block).push_back('\n');
  out.append(headers.signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

} // namespace hookd::sigv4
