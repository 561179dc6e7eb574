// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/s3.hpp"

#include <boost/beast/http.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hookd::aws {
namespace net = boost::asio;
namespace bhttp = http::bhttp;

s3_client::s3_client(caller& c, resolved_endpoint ep, s3_options opt) : caller_(c), ep_(std::move(ep)), opt_(std::move(opt)) {}

aws_request s3_client::base_request(std::string operation, const s3_uri& uri) const {
  const auto target = s3_object_target(ep_, uri.bucket, uri.key, opt_.force_path_style);
  aws_request req;
  req.svc = service::s3;
  req.operation = std::move(operation);
  req.proto = protocol::xml;
  req.endpoint_override = target.ep;
  // The caller prefixes the endpoint's base path; the target path already has it.
  req.path = target.path.substr(target.ep.base_path.size());
  if (!opt_.expected_bucket_owner.empty()) req.headers.push_back({"x-amz-expected-bucket-owner", opt_.expected_bucket_owner});
  req.timeout = std::chrono::minutes(5);
  return req;
}

error s3_client::explain(const error& e, const s3_uri& uri, const char* action) const {
  error out = e;
  std::string hint;
  if (e.http_status == 403)
    hint = "; check that the instance role allows s3:" + std::string(action) + " on " + uri.str() +
           (opt_.expected_bucket_owner.empty() ? std::string()
                                               : " and that the bucket belongs to account " + opt_.expected_bucket_owner);
  else if (e.http_status == 404)
    hint = "; " + uri.str() + " does not exist: check the bucket and key";
  else if (e.http_status == 301 || e.aws_code == "PermanentRedirect" || e.aws_code == "AuthorizationHeaderMalformed")
    hint = "; the bucket is in another region than " + caller_.region() + ": use a bucket in the instance's region";
  out.context += hint;
  return out;
}

net::awaitable<outcome<s3_object>> s3_client::get_object_to_file(const s3_uri& uri, const std::string& dest_path) {
  const auto slash = dest_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : dest_path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    co_return make_error(errc::io_failed, "cannot create directory " + dir + ": " + std::strerror(errno));
  std::string tmp = dest_path + ".partXXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC); // created 0600
  if (fd < 0) co_return make_error(errc::io_failed, "cannot create a file in " + dir + ": " + std::strerror(errno));
  ::close(fd);

  auto req = base_request("GetObject", uri);
  req.method = bhttp::verb::get;
  req.download_to = tmp;
  auto r = co_await caller_.call(ep_, std::move(req));
  if (!r) {
    ::unlink(tmp.c_str());
    co_return explain(r.error(), uri, "GetObject");
  }
  // No fsync: a script lost to a crash is simply downloaded again; the rename still guarantees
  // that a reader never sees half a file.
  if (::rename(tmp.c_str(), dest_path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    co_return make_error(errc::io_failed, "cannot move the download to " + dest_path + ": " + std::strerror(e));
  }
  s3_object o;
  o.path = dest_path;
  o.size = r->bytes;
  if (auto it = r->headers.find(bhttp::field::etag); it != r->headers.end()) o.etag = std::string(it->value());
  co_return o;
}

net::awaitable<outcome<s3_object>> s3_client::head_object(const s3_uri& uri) {
  auto req = base_request("HeadObject", uri);
  req.method = bhttp::verb::head;
  req.timeout = std::chrono::seconds(15);
  auto r = co_await caller_.call(ep_, std::move(req));
  if (!r) co_return explain(r.error(), uri, "GetObject");
  s3_object o;
  if (auto it = r->headers.find(bhttp::field::content_length); it != r->headers.end())
    o.size = std::strtoull(std::string(it->value()).c_str(), nullptr, 10);
  if (auto it = r->headers.find(bhttp::field::etag); it != r->headers.end()) o.etag = std::string(it->value());
  co_return o;
}

net::awaitable<outcome<s3_object>> s3_client::put_object_from_file(const s3_uri& uri, const std::string& src_path) {
  auto req = base_request("PutObject", uri);
  req.method = bhttp::verb::put;
  req.upload_from = src_path;
  auto r = co_await caller_.call(ep_, std::move(req));
  if (!r) co_return explain(r.error(), uri, "PutObject");
  s3_object o;
  if (auto it = r->headers.find(bhttp::field::etag); it != r->headers.end()) o.etag = std::string(it->value());
  struct stat st {};
  if (::stat(src_path.c_str(), &st) == 0) o.size = static_cast<std::uint64_t>(st.st_size);
  co_return o;
}

} // namespace hookd::aws
