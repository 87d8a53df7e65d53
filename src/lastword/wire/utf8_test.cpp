#include "lastword/wire/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lastword::wire {
namespace {

TEST(Utf8, AsciiAndMultibyteAreValid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Hello, world! 0123456789 abcdefghijklmnop"));
  EXPECT_TRUE(is_valid_utf8("\xc2\xa9 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000
}

TEST(Utf8, InvalidSequencesAreRejected) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));  // F5 never occurs
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xe2\x82"));  // truncated after a word
}

TEST(Utf8, StateCarriesAcrossSplitsInsideACodePoint) {
  const std::string text = "\xf0\x9f\x98\x80 ok \xe2\x82\xac";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(std::string_view(text).substr(0, cut)));
    EXPECT_TRUE(v.feed(std::string_view(text).substr(cut)));
    EXPECT_TRUE(v.complete()) << "cut at " << cut;
  }
}

TEST(Utf8, FailsFastOnTheFirstImpossibleByte) {
  // Section 8.1: reject as soon as no continuation could make it valid.
  utf8_validator surrogate;
  EXPECT_TRUE(surrogate.feed("\xed"));
  EXPECT_FALSE(surrogate.feed("\xa0"));
  utf8_validator too_high;
  EXPECT_TRUE(too_high.feed("\xf4"));
  EXPECT_FALSE(too_high.feed("\x90"));
  utf8_validator overlong;
  EXPECT_TRUE(overlong.feed("\xe0"));
  EXPECT_FALSE(overlong.feed("\x80"));
}

TEST(Utf8, FailureIsSticky) {
  utf8_validator v;
  EXPECT_FALSE(v.feed("\xff"));
  EXPECT_FALSE(v.feed("abc"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.complete());
}

TEST(Utf8, IncompleteAtEndIsNotComplete) {
  utf8_validator v;
  EXPECT_TRUE(v.feed("\xe2\x82"));
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.failed());
}

}  // namespace
}  // namespace lastword::wire

namespace lastword::wire {
namespace {

TEST(Utf8, FeedUntilErrorNamesTheOffendingByte) {
  utf8_validator v;
  EXPECT_EQ(v.feed_until_error("abcdefghij\xc3\xa9xy\xff" "z"), 14u);
  utf8_validator w;
  EXPECT_EQ(w.feed_until_error("\xe2\x82"), 2u);
  EXPECT_EQ(w.feed_until_error("A"), 0u);
  EXPECT_EQ(w.feed_until_error("more"), 0u);  // already failed
}

}  // namespace
}  // namespace lastword::wire
