// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/private_ips.hpp"

#include <algorithm>

namespace hookd::drain {
namespace net = boost::asio;

namespace {
// EC2's largest instance types take 15 network cards' worth of interfaces; 32 bounds the calls
// whatever metadata answers.
constexpr std::size_t max_interfaces = 32;
} // namespace

std::vector<std::string> imds_lines(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < text.size();) {
    auto nl = std::min(text.find('\n', pos), text.size());
    auto line = text.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '/')) line.remove_suffix(1);
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

net::awaitable<outcome<std::vector<std::string>>> private_ipv4s(aws::imds_client& imds) {
  auto macs = co_await imds.get("network/interfaces/macs/");
  if (!macs) co_return macs.error();
  std::vector<std::string> out;
  if (!*macs) co_return out;
  auto list = imds_lines(**macs);
  // A MAC is hex digits and colons; anything else is not put into a metadata path.
  std::erase_if(list, [](const std::string& m) { return m.find_first_not_of("0123456789abcdefABCDEF:") != std::string::npos; });
  if (list.size() > max_interfaces) list.resize(max_interfaces);
  for (const auto& mac : list) {
    auto ips = co_await imds.get("network/interfaces/macs/" + mac + "/local-ipv4s");
    if (!ips) co_return ips.error();
    if (!*ips) continue;
    for (auto& ip : imds_lines(**ips))
      if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(std::move(ip));
  }
  co_return out;
}

} // namespace hookd::drain
