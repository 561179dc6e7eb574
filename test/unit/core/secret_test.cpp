// SPDX-License-Identifier: Apache-2.0
#include "hookd/core/secret.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>

using hookd::secret_string;

namespace {
template <class T, class = void>
struct streamable : std::false_type {};
template <class T>
struct streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};
} // namespace

// The guarantee is structural: the type cannot be streamed or converted to a string, so no log
// statement can print one by accident. These assertions fail to compile if that ever changes.
static_assert(!streamable<secret_string>::value, "secret_string must not be printable");
static_assert(!std::is_convertible_v<secret_string, std::string>, "no implicit conversion to string");
static_assert(!std::is_convertible_v<secret_string, std::string_view>, "no implicit conversion to string_view");

TEST(secret_string, reveals_only_on_request_and_compares) {
  secret_string a("wJalrXUtnFEMI"), b("wJalrXUtnFEMI"), c("other");
  EXPECT_EQ(a.reveal(), "wJalrXUtnFEMI");
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(secret_string().size());
  EXPECT_TRUE(secret_string().empty());
}
