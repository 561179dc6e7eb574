// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/query.hpp"

#include "hookd/sigv4/canonical.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <sstream>

namespace hookd::aws {
namespace pt = boost::property_tree;

std::string query_form(std::string_view action, const query_params& params, std::string_view version) {
  std::string out = "Action=" + sigv4::uri_encode(action) + "&Version=" + sigv4::uri_encode(version);
  for (const auto& [k, v] : params) out += "&" + sigv4::uri_encode(k) + "=" + sigv4::uri_encode(v);
  return out;
}

outcome<pt::ptree> read_query_xml(std::string_view xml, std::string_view service, std::string_view operation) {
  pt::ptree tree;
  try {
    std::istringstream in{std::string(xml)};
    pt::read_xml(in, tree, pt::xml_parser::trim_whitespace);
  } catch (const pt::ptree_error& e) {
    return make_error(errc::protocol_error, std::string(service) + " " + std::string(operation) +
                                                " returned malformed XML: " + e.what());
  }
  return tree;
}

} // namespace hookd::aws
