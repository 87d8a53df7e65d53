#include "lastword/wire/utf8.hpp"

#include <cstring>

namespace lastword::wire {

std::size_t utf8_validator::feed_until_error(std::string_view bytes) noexcept {
  const auto* const begin = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* p = begin;
  const auto* const end = p + bytes.size();
  state s = state_;
  if (s == reject) return 0;
  while (p < end) {
    if (s == accept) {
      // Skip ASCII 32 bytes, then a word, at a time.
      while (end - p >= 32) {
        std::uint64_t w[4];
        std::memcpy(w, p, 32);
        if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) break;
        p += 32;
      }
      while (end - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        if (w & 0x8080808080808080ull) break;
        p += 8;
      }
      if (p == end) break;
      const unsigned char b = *p++;
      if (b < 0x80) continue;
      if (b < 0xC2) { s = reject; break; }        // continuation or overlong C0/C1
      if (b < 0xE0) { s = need1; continue; }
      if (b == 0xE0) { s = after_e0; continue; }
      if (b == 0xED) { s = after_ed; continue; }
      if (b < 0xF0) { s = need2; continue; }
      if (b == 0xF0) { s = after_f0; continue; }
      if (b < 0xF4) { s = need3; continue; }
      if (b == 0xF4) { s = after_f4; continue; }
      s = reject;                                   // F5..FF never occur
      break;
    }
    const unsigned char b = *p++;
    unsigned char lo = 0x80, hi = 0xBF;
    state next = accept;
    switch (s) {
      case need1: next = accept; break;
      case need2: next = need1; break;
      case need3: next = need2; break;
      case after_e0: lo = 0xA0; next = need1; break;
      case after_ed: hi = 0x9F; next = need1; break;
      case after_f0: lo = 0x90; next = need2; break;
      case after_f4: hi = 0x8F; next = need2; break;
      default: break;
    }
    if (b < lo || b > hi) { s = reject; break; }
    s = next;
  }
  state_ = s;
  // On reject, p is just past the offending byte.
  return s == reject ? static_cast<std::size_t>(p - begin) - 1 : bytes.size();
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  utf8_validator v;
  return v.feed(bytes) && v.complete();
}

}  // namespace lastword::wire
