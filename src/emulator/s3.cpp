// SPDX-License-Identifier: Apache-2.0
#include "impl.hpp"

namespace hookd::emulator {

reply server::impl::s3(const bhttp::request<bhttp::string_body>& req, const std::string& bucket, const std::string& key,
         std::string& op) {
  const bool head = req.method() == bhttp::verb::head;
  op = req.method() == bhttp::verb::get ? "GetObject" : head ? "HeadObject" : req.method() == bhttp::verb::put ? "PutObject" : "Unsupported";
  if (op == "Unsupported") return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  auto owner = req["x-amz-expected-bucket-owner"];
  auto b = buckets.find(bucket);
  if (b == buckets.end()) return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", head);
  if (!owner.empty() && owner != opt.account_id) return s3_error(403, "AccessDenied", "Access Denied", head);
  if (op == "PutObject") {
    b->second[key] = req.body();
    reply r{200, "", "application/xml"};
    r.headers.emplace_back("ETag", "\"" + md5_hex(req.body()) + "\"");
    return r;
  }
  auto o = b->second.find(key);
  if (o == b->second.end()) return s3_error(404, "NoSuchKey", "The specified key does not exist.", head);
  reply r{200, head ? std::string() : o->second, "application/octet-stream"};
  r.headers.emplace_back("ETag", "\"" + md5_hex(o->second) + "\"");
  if (head) r.headers.emplace_back("Content-Length", std::to_string(o->second.size()));
  return r;
}

} // namespace hookd::emulator
