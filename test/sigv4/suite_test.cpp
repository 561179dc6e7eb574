// SPDX-License-Identifier: Apache-2.0
// The SigV4 suite, driven entirely by data: every case folder of the official suites and every
// case of every reference-signer `*.json` file found under $HOOKD_SIGV4_TESTDATA (default:
// test/data/sigv4). Each stage is compared separately so a failure names the case and the stage.
#include "hookd/crypto/digest.hpp"
#include "hookd/sigv4/signer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace hookd;

namespace {

// Both official suites are signed with this key pair (their READMEs); the classic suite's files
// carry the access key id but not the secret.
constexpr const char* suite_access_key = "AKIDEXAMPLE";
constexpr const char* suite_secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fs::path testdata_dir() {
  if (const char* env = std::getenv("HOOKD_SIGV4_TESTDATA"); env && *env) return env;
  return HOOKD_SIGV4_TESTDATA_DEFAULT;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// One request with its expected stages; `header_*` for Authorization signing, `query_*` for presigning.
struct suite_case {
  std::string name; // "aws-c-auth-v4/get-vanilla", "reference-signer/cases.json#sqs-0000"
  sigv4::request_parts request;
  std::string body;
  std::string payload_hash; // empty: sha256 of body
  aws::credentials creds;
  sigv4::signing_params params;
  bool presign = false;
  std::chrono::seconds expires{0};
  std::string expect_creq, expect_sts, expect_signature, expect_authorization, expect_signed_headers;
};

struct parsed_http {
  std::string method, path, query, body;
  sigv4::header_list headers;
};

// request.txt / .req: "METHOD PATH HTTP/1.1", headers "Name:value" (continuation lines start with
// whitespace), a blank line, the body. The path may contain spaces, so the protocol is cut from the end.
parsed_http parse_http(const std::string& text) {
  parsed_http out;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto sp = line.find(' ');
  const auto proto = line.rfind(" HTTP/");
  out.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, proto - sp - 1);
  if (auto q = target.find('?'); q != std::string::npos) {
    out.query = target.substr(q + 1);
    target.resize(q);
  }
  out.path = target;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !out.headers.empty()) {
      out.headers.back().value += " " + line;
      continue;
    }
    const auto colon = line.find(':');
    out.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  out.body = rest.str();
  return out;
}

std::string header_value(const sigv4::header_list& headers, std::string_view lower_name) {
  for (const auto& h : headers) {
    std::string n = h.name;
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == lower_name) return sigv4::canonical_header_value(h.value);
  }
  return {};
}

void erase_header(sigv4::header_list& headers, std::string_view lower_name) {
  std::erase_if(headers, [&](const sigv4::header& h) {
    std::string n = h.name;
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return n == lower_name;
  });
}

std::string line_of(const std::string& text, std::size_t index) {
  std::istringstream in(text);
  std::string line;
  for (std::size_t i = 0; i <= index; ++i) std::getline(in, line);
  return line;
}

// --- aws-c-auth layout: <case>/{context.json, request.txt, header-*, query-*} -------------------
void add_aws_c_auth_case(const fs::path& dir, const std::string& name, std::vector<suite_case>& out) {
  const auto ctx = json::parse(read_file(dir / "context.json")).as_object();
  const auto http = parse_http(read_file(dir / "request.txt"));
  const auto& c = ctx.at("credentials").as_object();
  suite_case base;
  base.request = {http.method, http.path, sigv4::parse_query(http.query), http.headers};
  base.body = http.body;
  base.creds.access_key_id = json::value_to<std::string>(c.at("access_key_id"));
  base.creds.secret_access_key = secret_string(json::value_to<std::string>(c.at("secret_access_key")));
  if (c.contains("token")) base.creds.session_token = secret_string(json::value_to<std::string>(c.at("token")));
  const auto time = parse_iso8601(json::value_to<std::string>(ctx.at("timestamp"))).value();
  base.params = sigv4::signing_params::for_service(json::value_to<std::string>(ctx.at("region")),
                                                   json::value_to<std::string>(ctx.at("service")), time);
  base.params.path.normalize = ctx.at("normalize").as_bool();
  base.params.omit_session_token = ctx.contains("omit_session_token") && ctx.at("omit_session_token").as_bool();
  const bool sign_body = ctx.at("sign_body").as_bool();
  // sign_body=false: the payload hash is always the empty-string hash (the suite's README).
  base.payload_hash = sign_body ? crypto::sha256_hex(http.body) : std::string(crypto::empty_sha256_hex);

  for (const char* mode : {"header", "query"}) {
    const std::string m = mode;
    if (!fs::exists(dir / (m + "-canonical-request.txt"))) continue;
    suite_case k = base;
    k.name = name + " [" + m + "]";
    k.presign = m == "query";
    k.params.add_content_sha256_header = sign_body && !k.presign;
    k.expires = std::chrono::seconds(ctx.at("expiration_in_seconds").to_number<long>());
    k.expect_creq = read_file(dir / (m + "-canonical-request.txt"));
    k.expect_sts = read_file(dir / (m + "-string-to-sign.txt"));
    k.expect_signature = read_file(dir / (m + "-signature.txt"));
    if (!k.presign) {
      const auto signed_req = parse_http(read_file(dir / "header-signed-request.txt"));
      k.expect_authorization = header_value(signed_req.headers, "authorization");
    }
    out.push_back(std::move(k));
  }
}

// --- classic layout: <case>/<case>.{req,creq,sts,authz} ---------------------------------------
void add_classic_case(const fs::path& dir, const std::string& name, std::vector<suite_case>& out) {
  const std::string stem = dir.filename().string();
  auto http = parse_http(read_file(dir / (stem + ".req")));
  suite_case k;
  k.name = name;
  k.expect_creq = read_file(dir / (stem + ".creq"));
  k.expect_sts = read_file(dir / (stem + ".sts"));
  k.expect_authorization = read_file(dir / (stem + ".authz"));
  k.expect_signature = k.expect_authorization.substr(k.expect_authorization.rfind('=') + 1);

  // The request already carries X-Amz-Date; the signer adds it itself, from the time we pass.
  const auto time = parse_amz_date(header_value(http.headers, "x-amz-date")).value();
  erase_header(http.headers, "x-amz-date");
  // Scope "day/region/service/aws4_request" is line 3 of the string to sign.
  const auto scope = line_of(k.expect_sts, 2);
  const auto s1 = scope.find('/'), s2 = scope.find('/', s1 + 1), s3 = scope.find('/', s2 + 1);
  k.params = sigv4::signing_params::for_service(scope.substr(s1 + 1, s2 - s1 - 1), scope.substr(s2 + 1, s3 - s2 - 1), time);

  k.creds.access_key_id = suite_access_key;
  k.creds.secret_access_key = secret_string(suite_secret_key);
  // The token is found where the suite puts it: signed (a line of the .creq) or added after
  // signing (only in the signed request, .sreq).
  std::string creq_token;
  {
    std::istringstream in(k.expect_creq);
    for (std::string l; std::getline(in, l);)
      if (l.starts_with("x-amz-security-token:")) creq_token = l.substr(21);
  }
  const auto sreq_token = header_value(parse_http(read_file(dir / (stem + ".sreq"))).headers, "x-amz-security-token");
  erase_header(http.headers, "x-amz-security-token");
  if (!creq_token.empty()) {
    k.creds.session_token = secret_string(creq_token);
  } else if (!sreq_token.empty()) {
    k.creds.session_token = secret_string(sreq_token);
    k.params.omit_session_token = true;
  }
  k.request = {http.method, http.path, sigv4::parse_query(http.query), http.headers};
  k.body = http.body;
  k.payload_hash = crypto::sha256_hex(http.body);
  out.push_back(std::move(k));
}

// --- reference-signer layout: a JSON file with "cases": [...] -----------------------------------
std::string base64_decode(std::string_view in) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    const auto v = alphabet.find(ch);
    if (v == std::string_view::npos) continue;
    buf = (buf << 6) | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

void add_reference_cases(const fs::path& file, const std::string& name, std::vector<suite_case>& out) {
  const auto doc = json::parse(read_file(file));
  if (!doc.is_object() || !doc.as_object().contains("cases")) return;
  for (const auto& v : doc.at("cases").as_array()) {
    const auto& c = v.as_object();
    auto str = [&](const char* key) { return json::value_to<std::string>(c.at(key)); };
    suite_case k;
    k.name = name + "#" + str("id");
    k.request.method = str("method");
    k.request.path = str("path");
    for (const auto& q : c.at("query").as_array())
      k.request.query.emplace_back(json::value_to<std::string>(q.as_array()[0]), json::value_to<std::string>(q.as_array()[1]));
    k.request.headers.push_back({"Host", str("host")});
    for (const auto& h : c.at("headers").as_array())
      k.request.headers.push_back({json::value_to<std::string>(h.as_array()[0]), json::value_to<std::string>(h.as_array()[1])});
    // Headers the sender adds without signing: the signer must leave them out by itself.
    for (const auto& h : c.at("unsigned_headers").as_array())
      k.request.headers.push_back({json::value_to<std::string>(h.as_array()[0]), json::value_to<std::string>(h.as_array()[1])});
    k.body = base64_decode(str("body_b64"));
    k.creds.access_key_id = str("access_key");
    k.creds.secret_access_key = secret_string(str("secret_key"));
    if (!c.at("session_token").is_null()) k.creds.session_token = secret_string(str("session_token"));
    const auto time = parse_amz_date(str("amz_date")).value();
    const bool s3 = c.at("s3_mode").as_bool();
    k.params = s3 ? sigv4::signing_params::for_s3(str("region"), time)
                  : sigv4::signing_params::for_service(str("region"), str("service"), time);
    k.params.service = str("service");
    k.payload_hash = str("payload_mode") == "sha256" ? crypto::sha256_hex(k.body) : std::string(sigv4::unsigned_payload);
    const auto& e = c.at("expected").as_object();
    k.expect_creq = json::value_to<std::string>(e.at("canonical_request"));
    k.expect_sts = json::value_to<std::string>(e.at("string_to_sign"));
    k.expect_signature = json::value_to<std::string>(e.at("signature"));
    k.expect_authorization = json::value_to<std::string>(e.at("authorization"));
    k.expect_signed_headers = json::value_to<std::string>(e.at("signed_headers"));
    out.push_back(std::move(k));
  }
}

std::vector<suite_case> load_suite() {
  std::vector<suite_case> out;
  const auto root = testdata_dir();
  if (!fs::is_directory(root)) return out;
  std::vector<fs::path> entries;
  for (const auto& e : fs::recursive_directory_iterator(root)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    const auto rel = fs::relative(p, root).generic_string();
    if (fs::is_directory(p)) {
      if (fs::exists(p / "context.json") && fs::exists(p / "request.txt"))
        add_aws_c_auth_case(p, rel, out);
      else if (fs::exists(p / (p.filename().string() + ".req")))
        add_classic_case(p, rel, out);
    } else if (p.extension() == ".json" && p.filename() != "context.json") {
      add_reference_cases(p, rel, out);
    }
  }
  return out;
}

const std::vector<suite_case>& suite() {
  static const auto cases = load_suite();
  return cases;
}

std::string test_name(const testing::TestParamInfo<std::size_t>& info) {
  std::string n = std::to_string(info.param) + "_" + suite()[info.param].name;
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

std::vector<std::size_t> case_indices() {
  std::vector<std::size_t> idx(suite().size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  return idx;
}

class sigv4_suite : public testing::TestWithParam<std::size_t> {};

TEST_P(sigv4_suite, every_stage_matches) {
  const auto& k = suite()[GetParam()];
  SCOPED_TRACE("case " + k.name);
  auto req = k.request;
  auto result = k.presign ? sigv4::presign(req, k.payload_hash, k.creds, k.params, k.expires)
                          : sigv4::sign_headers(req, k.payload_hash, k.creds, k.params);
  ASSERT_TRUE(result) << k.name << ": signer refused: " << result.error().message();
  EXPECT_EQ(result->canonical_request, k.expect_creq) << k.name << ": stage 1, canonical request differs";
  EXPECT_EQ(result->string_to_sign, k.expect_sts) << k.name << ": stage 2, string to sign differs";
  EXPECT_EQ(result->signature.reveal(), k.expect_signature) << k.name << ": stage 3, signature differs";
  if (!k.expect_signed_headers.empty()) {
    EXPECT_EQ(result->signed_headers, k.expect_signed_headers) << k.name << ": signed header list differs";
  }
  if (!k.expect_authorization.empty()) {
    EXPECT_EQ(result->authorization.reveal(), k.expect_authorization) << k.name << ": stage 4, Authorization differs";
  }
}

INSTANTIATE_TEST_SUITE_P(cases, sigv4_suite, testing::ValuesIn(case_indices()), test_name);

// A suite directory that is missing or empty must fail, not pass with zero cases.
TEST(sigv4_suite_data, cases_were_found) {
  ASSERT_TRUE(fs::is_directory(testdata_dir())) << "HOOKD_SIGV4_TESTDATA=" << testdata_dir() << " is not a directory";
  EXPECT_GT(suite().size(), 0u) << "no SigV4 cases under " << testdata_dir();
}

} // namespace
