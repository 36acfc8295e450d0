// Tests for parse_uint: the whole string or nothing, no sign, no overflow, range checks, and hex
// only when asked. A refused value leaves the output untouched.
#include "edf/parse_num.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace edf {
namespace {

template <typename T>
Status parse(std::string_view s, T lo, T hi, T& out, bool hex = false) {
  return parse_uint<T>(s, lo, hi, out, hex);
}

TEST(ParseNum, AcceptsPlainDecimalInRange) {
  uint32_t v = 0;
  EXPECT_TRUE(parse<uint32_t>("0", 0, 10, v).ok());
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(parse<uint32_t>("10", 0, 10, v).ok());
  EXPECT_EQ(v, 10u);
  EXPECT_TRUE(parse<uint32_t>("007", 0, 10, v).ok());  // leading zeros are still decimal
  EXPECT_EQ(v, 7u);
  uint64_t big = 0;
  EXPECT_TRUE(parse<uint64_t>("18446744073709551615", 0, UINT64_MAX, big).ok());
  EXPECT_EQ(big, UINT64_MAX);
}

TEST(ParseNum, RejectsJunkAndLeavesOutputUntouched) {
  for (const char* bad : {"12x", "x12", " 12", "12 ", "1 2", "1.5", "1e3", "", "+5", "0x10", "12,", "\xd9\xa3"}) {
    uint32_t v = 99;
    const auto err = parse<uint32_t>(bad, 0, 1000, v);
    ASSERT_FALSE(err.ok()) << "'" << bad << "' accepted";
    EXPECT_EQ(v, 99u) << bad;
  }
  uint32_t v = 0;
  EXPECT_EQ(parse<uint32_t>("12x", 0, 100, v).message(), "not a whole number");
  EXPECT_EQ(parse<uint32_t>("", 0, 100, v).message(), "empty value, expected a number");
}

TEST(ParseNum, RejectsNegative) {
  uint32_t v = 5;
  EXPECT_FALSE(parse<uint32_t>("-1", 0, 100, v).ok());
  EXPECT_FALSE(parse<uint32_t>("-0", 0, 100, v).ok());
  EXPECT_EQ(v, 5u);
  uint64_t w = 5;
  EXPECT_FALSE(parse<uint64_t>("-18446744073709551615", 0, UINT64_MAX, w).ok());  // no wrap
  EXPECT_EQ(w, 5u);
}

TEST(ParseNum, RejectsOverflowWithTheRange) {
  uint64_t w = 1;
  EXPECT_EQ(parse<uint64_t>("18446744073709551616", 0, UINT64_MAX, w).message(),
            "out of range 0..18446744073709551615");
  EXPECT_EQ(parse<uint64_t>("99999999999999999999999999", 0, UINT64_MAX, w).message(),
            "out of range 0..18446744073709551615");
  EXPECT_EQ(w, 1u);
  // Wider than the target type but within uint64_t: the range check still catches it.
  uint16_t s = 1;
  EXPECT_EQ(parse<uint16_t>("65536", 0, 65535, s).message(), "out of range 0..65535");
  EXPECT_EQ(parse<uint16_t>("4294967296", 0, 65535, s).message(), "out of range 0..65535");
  uint8_t b = 1;
  EXPECT_EQ(parse<uint8_t>("256", 0, 63, b).message(), "out of range 0..63");  // numbers, not chars
  EXPECT_EQ(b, 1u);
}

TEST(ParseNum, EnforcesTheRange) {
  uint32_t v = 7;
  EXPECT_EQ(parse<uint32_t>("0", 1, 256, v).message(), "out of range 1..256");
  EXPECT_EQ(parse<uint32_t>("257", 1, 256, v).message(), "out of range 1..256");
  EXPECT_EQ(v, 7u);
  EXPECT_TRUE(parse<uint32_t>("1", 1, 256, v).ok());
  EXPECT_EQ(v, 1u);
  EXPECT_TRUE(parse<uint32_t>("256", 1, 256, v).ok());
  EXPECT_EQ(v, 256u);
}

TEST(ParseNum, HexOnlyWhenAsked) {
  uint64_t v = 0;
  EXPECT_TRUE(parse<uint64_t>("0x1f", 0, UINT64_MAX, v, true).ok());
  EXPECT_EQ(v, 0x1fu);
  EXPECT_TRUE(parse<uint64_t>("0XFF", 0, UINT64_MAX, v, true).ok());
  EXPECT_EQ(v, 0xffu);
  EXPECT_TRUE(parse<uint64_t>("0xffffffffffffffff", 0, UINT64_MAX, v, true).ok());
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(parse<uint64_t>("42", 0, UINT64_MAX, v, true).ok());  // decimal still accepted
  EXPECT_EQ(v, 42u);
  v = 3;
  EXPECT_FALSE(parse<uint64_t>("0x", 0, UINT64_MAX, v, true).ok());
  EXPECT_FALSE(parse<uint64_t>("0xg", 0, UINT64_MAX, v, true).ok());
  EXPECT_FALSE(parse<uint64_t>("0x-1", 0, UINT64_MAX, v, true).ok());
  EXPECT_FALSE(parse<uint64_t>("0x1 ", 0, UINT64_MAX, v, true).ok());
  EXPECT_FALSE(parse<uint64_t>("ff", 0, UINT64_MAX, v, true).ok());  // hex needs the prefix
  EXPECT_FALSE(parse<uint64_t>("0x10000000000000000", 0, UINT64_MAX, v, true).ok());
  EXPECT_EQ(v, 3u);
  uint32_t r = 0;
  EXPECT_EQ(parse<uint32_t>("0x101", 0, 0x100, r, true).message(), "out of range 0..256");
}

TEST(ParseNum, SignedTypesAcceptASignWithinRange) {
  // The header promises "no sign unless the type is signed".
  int32_t v = 0;
  EXPECT_TRUE(parse<int32_t>("-5", -10, 10, v).ok()) << "a negative value in range";
  EXPECT_EQ(v, -5);
  EXPECT_TRUE(parse<int32_t>("7", -10, 10, v).ok());
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(parse<int32_t>("-1", -1, 1023, v).ok());
  EXPECT_EQ(v, -1);
  v = 42;
  EXPECT_EQ(parse<int32_t>("-11", -10, 10, v).message(), "out of range -10..10");
  EXPECT_EQ(parse<int32_t>("11", -10, 10, v).message(), "out of range -10..10");
  EXPECT_FALSE(parse<int32_t>("-", -10, 10, v).ok());
  EXPECT_FALSE(parse<int32_t>("--1", -10, 10, v).ok());
  EXPECT_FALSE(parse<int32_t>("+1", -10, 10, v).ok());
  EXPECT_FALSE(parse<int32_t>("-99999999999999999999", INT32_MIN, INT32_MAX, v).ok());
  EXPECT_EQ(v, 42);
  int64_t w = 0;
  EXPECT_TRUE(parse<int64_t>("-9223372036854775808", INT64_MIN, INT64_MAX, w).ok());
  EXPECT_EQ(w, INT64_MIN);
}

}  // namespace
}  // namespace edf
