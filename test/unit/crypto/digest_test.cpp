// SPDX-License-Identifier: Apache-2.0
#include "hookd/crypto/digest.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace hookd::crypto;

TEST(digest, sha256_known_answers) {
  EXPECT_EQ(sha256_hex(""), empty_sha256_hex);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(digest, hmac_rfc4231_case_2) {
  EXPECT_EQ(to_hex(hmac_sha256(std::string_view("Jefe"), "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(digest, streaming_equals_one_shot_and_files) {
  sha256_stream s;
  s.update("a");
  s.update("bc");
  EXPECT_EQ(s.finish_hex(), sha256_hex("abc"));

  const std::string path = testing::TempDir() + "/digest_test.bin";
  std::ofstream(path, std::ios::binary) << std::string(200000, 'x');
  std::string err;
  EXPECT_EQ(sha256_file_hex(path, err), sha256_hex(std::string(200000, 'x')));
  EXPECT_TRUE(err.empty());
  std::remove(path.c_str());
  EXPECT_EQ(sha256_file_hex(path, err), "");
  EXPECT_NE(err.find(path), std::string::npos);
}
