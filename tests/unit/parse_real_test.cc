// Tests for parse_real: a decimal real number, the whole string or nothing, finite, within
// [lo, hi], signed only when lo is negative. A refused value leaves the output untouched.
#include <gtest/gtest.h>

#include <string>

#include "edf/parse_num.h"

namespace edf {
namespace {

TEST(ParseReal, AcceptsDecimalAndExponentForms) {
  double v = -1;
  EXPECT_TRUE(parse_real(std::string_view("0"), 0.0, 10.0, v).ok());
  EXPECT_EQ(v, 0.0);
  EXPECT_TRUE(parse_real(std::string_view("2.5"), 0.0, 10.0, v).ok());
  EXPECT_EQ(v, 2.5);
  EXPECT_TRUE(parse_real(std::string_view(".5"), 0.0, 10.0, v).ok());
  EXPECT_EQ(v, 0.5);
  EXPECT_TRUE(parse_real(std::string_view("1e6"), 0.0, 1e9, v).ok());
  EXPECT_EQ(v, 1e6);
  EXPECT_TRUE(parse_real(std::string_view("10"), 0.0, 10.0, v).ok());  // hi is inside
  EXPECT_EQ(v, 10.0);
}

TEST(ParseReal, RefusesJunkAndLeavesTheOutputAlone) {
  for (const char* bad : {"", " 1", "1 ", "+1", "1.5x", "x", "0x10", "inf", "nan", "infinity", "1e", "--1", "1,5"}) {
    double v = 7;
    const auto e = parse_real(std::string_view(bad), 0.0, 100.0, v);
    EXPECT_FALSE(e.ok()) << "'" << bad << "' accepted";
    EXPECT_EQ(v, 7) << bad;
  }
}

TEST(ParseReal, SignOnlyWhenTheRangeIsNegative) {
  double v = 7;
  EXPECT_EQ(parse_real(std::string_view("-1"), 0.0, 10.0, v).message(), "not a number >= 0");
  EXPECT_EQ(parse_real(std::string_view("-0"), 0.0, 10.0, v).message(), "not a number >= 0");
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(parse_real(std::string_view("-1.5"), -2.0, 2.0, v).ok());
  EXPECT_EQ(v, -1.5);
}

TEST(ParseReal, RangeErrorsNameTheRange) {
  double v = 7;
  EXPECT_EQ(parse_real(std::string_view("3600.5"), 0.0, 3600.0, v).message(), "out of range 0..3600");
  EXPECT_EQ(parse_real(std::string_view("0.1"), 0.5, 1e12, v).message(), "out of range 0.5..1e+12");
  EXPECT_EQ(parse_real(std::string_view("1e400"), 0.0, 1.0, v).message(), "out of range 0..1");
  EXPECT_EQ(v, 7);
  float f = 1;
  EXPECT_TRUE(parse_real(std::string_view("0.25"), 0.0f, 1.0f, f).ok());
  EXPECT_EQ(f, 0.25f);
}

}  // namespace
}  // namespace edf
