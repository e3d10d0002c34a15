#include <gtest/gtest.h>

#include <string>

#include "json_escape.hpp"

namespace {

std::string escaped(std::string_view text) {
  std::string out;
  lockstep::detail::append_json_string(out, text);
  return out;
}

TEST(JsonEscape, QuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(escaped("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
  EXPECT_EQ(escaped(std::string_view("\0", 1)), "\"\\u0000\"");
}

TEST(JsonEscape, KeepsValidUtf8) {
  EXPECT_EQ(escaped("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(JsonEscape, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(escaped("\xff"), "\"\\u00ff\"");
  EXPECT_EQ(escaped("\xc3"), "\"\\u00c3\"");                                   // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), "\"\\u00c0\\u00af\"");                        // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");             // surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\"");  // > U+10FFFF
}

}  // namespace
