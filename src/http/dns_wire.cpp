// SPDX-License-Identifier: Apache-2.0
// /etc/hosts, resolv.conf and DNS packets, written and read: no I/O (resolver.cpp sends them).
#include "hookd/http/resolver.hpp"

#include <algorithm>
#include <cctype>

namespace hookd::http {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    auto line = text.substr(pos, nl - pos);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    f(line);
    pos = nl + 1;
  }
}

// Reads a (possibly compressed) name starting at `pos`; returns the position after it in the
// original record, or npos on a malformed packet.
std::size_t read_name(std::string_view p, std::size_t pos, std::string& out) {
  std::size_t after = std::string_view::npos;
  int jumps = 0;
  out.clear();
  while (pos < p.size()) {
    const auto len = static_cast<unsigned char>(p[pos]);
    if (len == 0) {
      if (after == std::string_view::npos) after = pos + 1;
      return after;
    }
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= p.size() || ++jumps > 16) return std::string_view::npos;
      if (after == std::string_view::npos) after = pos + 2;
      pos = static_cast<std::size_t>(((len & 0x3F) << 8) | static_cast<unsigned char>(p[pos + 1]));
      continue;
    }
    if (pos + 1 + len > p.size()) return std::string_view::npos;
    if (!out.empty()) out.push_back('.');
    out.append(p.substr(pos + 1, len));
    pos += 1 + len;
  }
  return std::string_view::npos;
}

std::uint16_t u16(std::string_view p, std::size_t pos) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(p[pos]) << 8) | static_cast<unsigned char>(p[pos + 1]));
}
} // namespace

std::vector<std::string> hosts_lookup(std::string_view text, std::string_view name) {
  std::vector<std::string> out;
  const auto want = lower(name);
  for_each_line(text, [&](std::string_view line) {
    auto w = words(line);
    if (w.size() < 2) return;
    for (std::size_t i = 1; i < w.size(); ++i)
      if (lower(w[i]) == want) {
        out.emplace_back(w[0]);
        return;
      }
  });
  return out;
}

std::vector<std::string> resolv_conf_nameservers(std::string_view text) {
  std::vector<std::string> out;
  for_each_line(text, [&](std::string_view line) {
    auto w = words(line);
    if (w.size() >= 2 && w[0] == "nameserver") out.emplace_back(w[1]);
  });
  if (out.empty()) out.emplace_back("127.0.0.1");
  return out;
}

outcome<std::string> dns_query(std::uint16_t id, std::string_view name, std::uint16_t qtype) {
  std::string q;
  q += static_cast<char>(id >> 8);
  q += static_cast<char>(id & 0xff);
  q += std::string("\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10); // RD; one question
  std::size_t pos = 0;
  while (pos <= name.size()) {
    auto dot = std::min(name.find('.', pos), name.size());
    const auto label = name.substr(pos, dot - pos);
    if (label.empty() && dot != name.size()) return make_error(errc::invalid_input, "empty label in host name '" + std::string(name) + "'");
    if (label.size() > 63) return make_error(errc::invalid_input, "label longer than 63 in '" + std::string(name) + "'");
    if (!label.empty()) {
      q += static_cast<char>(label.size());
      q.append(label);
    }
    pos = dot + 1;
  }
  q += '\0';
  q += static_cast<char>(qtype >> 8);
  q += static_cast<char>(qtype & 0xff);
  q += std::string("\x00\x01", 2); // class IN
  return q;
}

outcome<std::vector<std::string>> parse_dns_answer(std::string_view p, std::uint16_t id, std::string_view asked,
                                                   std::uint16_t qtype) {
  auto bad = [](const char* why) { return make_error(errc::protocol_error, std::string("malformed DNS answer: ") + why); };
  if (p.size() < 12) return bad("shorter than a header");
  if (u16(p, 0) != id) return bad("id does not match the query");
  const auto flags = u16(p, 2);
  if (!(flags & 0x8000)) return bad("not a response");
  const int rcode = flags & 0x0f;
  if (rcode == 3) return std::vector<std::string>{}; // NXDOMAIN
  if (rcode != 0) return make_error(errc::connection_failed, "DNS server answered rcode " + std::to_string(rcode));
  const auto qd = u16(p, 4), an = u16(p, 6);
  // The answer must repeat our question: an answer to another name (a spoofed or stray packet
  // with a guessed id) is not ours, whatever addresses it carries.
  if (qd != 1) return bad("not exactly one question");
  std::size_t pos = 12;
  std::string name;
  pos = read_name(p, pos, name);
  if (pos == std::string_view::npos || pos + 4 > p.size()) return bad("truncated question");
  const auto same = [](std::string_view a, std::string_view b) {
    if (!a.empty() && a.back() == '.') a.remove_suffix(1);
    if (!b.empty() && b.back() == '.') b.remove_suffix(1);
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  if (!same(name, asked)) return bad("answers another name");
  if (u16(p, pos) != qtype || u16(p, pos + 2) != 1) return bad("answers another type or class");
  pos += 4;
  std::vector<std::string> out;
  for (int i = 0; i < an; ++i) {
    pos = read_name(p, pos, name);
    if (pos == std::string_view::npos || pos + 10 > p.size()) return bad("truncated record");
    const auto type = u16(p, pos), len = u16(p, pos + 8);
    pos += 10;
    if (pos + len > p.size()) return bad("record longer than the packet");
    if (type == qtype && type == dns_type_a && len == 4) {
      out.push_back(std::to_string(static_cast<unsigned char>(p[pos])) + "." + std::to_string(static_cast<unsigned char>(p[pos + 1])) +
                    "." + std::to_string(static_cast<unsigned char>(p[pos + 2])) + "." +
                    std::to_string(static_cast<unsigned char>(p[pos + 3])));
    } else if (type == qtype && type == dns_type_aaaa && len == 16) {
      char buf[64];
      std::string a;
      for (int k = 0; k < 8; ++k) {
        std::snprintf(buf, sizeof buf, "%x", u16(p, pos + 2 * static_cast<std::size_t>(k)));
        if (k) a += ':';
        a += buf;
      }
      out.push_back(a);
    }
    pos += len;
  }
  return out;
}
} // namespace hookd::http
