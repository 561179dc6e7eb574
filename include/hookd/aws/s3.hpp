#pragma once
// SPDX-License-Identifier: Apache-2.0
// S3 GetObject (streamed to a private file), HeadObject and PutObject (streamed from a file).
#include "hookd/aws/caller.hpp"

#include <optional>
#include <string>

namespace hookd::aws {

struct s3_uri {
  std::string bucket, key;
  std::string str() const { return "s3://" + bucket + "/" + key; }
};
/// Parses `s3://bucket/key`; errors say what is wrong with it.
outcome<s3_uri> parse_s3_uri(std::string_view text);

struct s3_object {
  std::string path; ///< GetObject: where the object now is
  std::uint64_t size = 0;
  std::string etag;
};

struct s3_options {
  std::string expected_bucket_owner; ///< x-amz-expected-bucket-owner (account id), when set
  bool force_path_style = false;
};

class s3_client {
public:
  s3_client(caller& c, resolved_endpoint ep, s3_options opt = {});

  /// Downloads into `dest_path` atomically: a 0600 temporary file in the same directory, renamed
  /// into place when complete. The directory is created 0700 when missing. On any failure
  /// nothing is left at `dest_path`.
  boost::asio::awaitable<outcome<s3_object>> get_object_to_file(const s3_uri& uri, const std::string& dest_path);
  boost::asio::awaitable<outcome<s3_object>> head_object(const s3_uri& uri);
  boost::asio::awaitable<outcome<s3_object>> put_object_from_file(const s3_uri& uri, const std::string& src_path);

private:
  aws_request base_request(std::string operation, const s3_uri& uri) const;
  error explain(const error& e, const s3_uri& uri, const char* action) const;
  caller& caller_;
  resolved_endpoint ep_;
  s3_options opt_;
};

} // namespace hookd::aws
