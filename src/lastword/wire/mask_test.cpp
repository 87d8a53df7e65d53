#include "lastword/wire/mask.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lastword::wire {
namespace {

std::string mask_bytewise(std::string s, mask_key key, std::size_t phase) {
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(s[i] ^ key[(phase + i) % 4]);
  return s;
}

TEST(Mask, MatchesBytewiseDefinitionForEveryLengthAndPhase) {
  const mask_key key{0x37, 0xfa, 0x21, 0x3d};
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (std::size_t len = 0; len <= data.size(); ++len) {
    for (std::size_t phase = 0; phase < 4; ++phase) {
      std::string s = data.substr(0, len);
      apply_mask(s.data(), s.size(), key, phase);
      ASSERT_EQ(s, mask_bytewise(data.substr(0, len), key, phase)) << len << " " << phase;
    }
  }
}

TEST(Mask, MaskingInPiecesEqualsMaskingAtOnce) {
  const mask_key key{1, 2, 3, 4};
  const std::string data(77, 'q');
  std::string whole = data;
  apply_mask(whole.data(), whole.size(), key, 0);
  std::string pieces = data;
  apply_mask(pieces.data(), 5, key, 0);
  apply_mask(pieces.data() + 5, 40, key, 5);
  apply_mask(pieces.data() + 45, 32, key, 45);
  EXPECT_EQ(whole, pieces);
}

TEST(Mask, CopyMaskedLeavesSourceUntouched) {
  const mask_key key{0xff, 0, 0xff, 0};
  const std::string src = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string dst(src.size(), '\0');
  copy_masked(dst.data(), src.data(), src.size(), key, 0);
  EXPECT_EQ(dst, mask_bytewise(src, key, 0));
  EXPECT_EQ(src, "abcdefghijklmnopqrstuvwxyz0123456789");
}

}  // namespace
}  // namespace lastword::wire

namespace lastword::wire {
namespace {

TEST(Mask, AsciiPrefixCopyUnmasksAndStopsBeforeTheFirstNonAscii) {
  const mask_key key{0x37, 0xfa, 0x21, 0x3d};
  for (std::size_t len : {0u, 7u, 64u, 100u, 128u, 300u, 1000u}) {
    for (std::size_t bad = 0; bad <= len; bad += 13) {
      std::string plain(len, 'x');
      if (bad < len) plain[bad] = '\xc3';
      std::string masked = plain;
      apply_mask(masked.data(), masked.size(), key, 1);
      std::string out(len, '\0');
      const std::size_t k = copy_masked_ascii_prefix(out.data(), masked.data(), len, key, 1);
      ASSERT_EQ(out, plain);
      if (bad < len) {
        EXPECT_LE(k, bad);
        EXPECT_LT(bad - k, 128u);
      } else {
        EXPECT_EQ(k, len);
      }
    }
  }
}

}  // namespace
}  // namespace lastword::wire
