// lastword/cli/hex.hpp: a streaming reader for hex dumps of byte streams.
//
// Accepts pairs of hex digits separated by any white space; '#' starts a
// comment to the end of the line. Errors name the line and column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lastword::cli {

class hex_reader {
 public:
  // Appends the bytes decoded from `text` to `out`. Returns false on a bad
  // character; error() says where.
  bool feed(std::string_view text, std::string& out);
  // Call at the end of input: false if a digit pair was left open.
  bool finish();
  const std::string& error() const noexcept { return error_; }

 private:
  bool fail(std::string what);

  std::uint64_t line_ = 1, column_ = 0;
  bool in_comment_ = false;
  int high_ = -1;  // first digit of an open pair
  std::uint64_t pair_line_ = 0, pair_column_ = 0;
  std::string error_;
};

}  // namespace lastword::cli
