#include "lastword/cli/hex.hpp"

namespace lastword::cli {
namespace {

int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool hex_reader::fail(std::string what) {
  error_ = std::move(what);
  return false;
}

bool hex_reader::feed(std::string_view text, std::string& out) {
  for (const char c : text) {
    if (c == '\n') {
      ++line_;
      column_ = 0;
      in_comment_ = false;
      continue;
    }
    ++column_;
    if (in_comment_) continue;
    if (c == '#') {
      in_comment_ = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    const int v = digit_value(c);
    if (v < 0) {
      const auto shown = static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F
                             ? std::string("'") + c + "'"
                             : "byte " + std::to_string(static_cast<unsigned char>(c));
      return fail("line " + std::to_string(line_) + ", column " + std::to_string(column_) +
                  ": " + shown + " is not a hex digit");
    }
    if (high_ < 0) {
      high_ = v;
      pair_line_ = line_;
      pair_column_ = column_;
    } else {
      out.push_back(static_cast<char>((high_ << 4) | v));
      high_ = -1;
    }
  }
  return true;
}

bool hex_reader::finish() {
  if (high_ >= 0)
    return fail("line " + std::to_string(pair_line_) + ", column " + std::to_string(pair_column_) +
                ": odd number of hex digits (a byte needs two)");
  return true;
}

}  // namespace lastword::cli
