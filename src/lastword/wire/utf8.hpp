// lastword/wire/utf8.hpp: incremental UTF-8 validation (RFC 3629).
//
// The validator keeps its state across calls, so a text message can be
// checked fragment by fragment, split anywhere, even inside a code point.
// It fails fast (RFC 6455 section 8.1 allows it): a byte is rejected as soon
// as no continuation could make the sequence valid, e.g. the second byte of
// an overlong form (E0 80), of a surrogate (ED A0) or of a code point above
// U+10FFFF (F4 90). ASCII runs are skipped a word at a time.
//
// Thread rule: one validator per message; not shared.
#pragma once

#include <cstdint>
#include <string_view>

namespace lastword::wire {

class utf8_validator {
 public:
  // Validates the next bytes. Returns false once the input so far cannot be
  // the prefix of valid UTF-8; from then on every call returns false.
  bool feed(std::string_view bytes) noexcept { return feed_until_error(bytes) == bytes.size(); }

  // Like feed(), but returns bytes.size() when the input is still valid,
  // else the index in `bytes` of the byte that made it invalid (0 when it
  // had already failed before this call).
  std::size_t feed_until_error(std::string_view bytes) noexcept;

  // True when the input so far is valid and ends on a code point boundary.
  bool complete() const noexcept { return state_ == accept; }
  bool failed() const noexcept { return state_ == reject; }

  void reset() noexcept { state_ = accept; }

 private:
  enum state : std::uint8_t {
    accept,      // at a boundary
    need1,       // one continuation byte (80..BF) left
    need2,       // two left
    need3,       // three left
    after_e0,    // E0: next must be A0..BF (no overlong)
    after_ed,    // ED: next must be 80..9F (no surrogates)
    after_f0,    // F0: next must be 90..BF (no overlong)
    after_f4,    // F4: next must be 80..8F (<= U+10FFFF)
    reject,
  };
  state state_ = accept;
};

// Whole-buffer convenience.
bool is_valid_utf8(std::string_view bytes) noexcept;

}  // namespace lastword::wire
