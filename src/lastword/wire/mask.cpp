#include "lastword/wire/mask.hpp"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LASTWORD_X86_AVX2 1
#endif

namespace lastword::wire {
namespace {

// The key rotated so that byte 0 of the result applies to payload index
// `phase`, repeated to fill a 64-bit word in memory order.
std::uint64_t key_word(mask_key key, std::size_t phase) noexcept {
  unsigned char bytes[8];
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = key[(phase + i) & 3];
  std::uint64_t word;
  std::memcpy(&word, bytes, 8);
  return word;
}

constexpr std::uint64_t high_bits = 0x8080808080808080ull;

// Portable body: 16-byte vectors (GCC/Clang vector extensions: SSE2 on
// x86-64, NEON on ARM), four per iteration. With check_ascii, stops
// checking at the first block with a high bit and returns its offset.
template <bool CheckAscii>
std::size_t mask_words(char* dst, const char* src, std::size_t n, std::uint64_t k,
                       std::size_t& i) noexcept {
  using v16 = std::uint64_t __attribute__((vector_size(16)));
  const v16 kv = {k, k};
  std::size_t ascii_end = n;
  for (; i + 64 <= n; i += 64) {
    v16 w[4];
    std::memcpy(w, src + i, 64);
    w[0] ^= kv;
    w[1] ^= kv;
    w[2] ^= kv;
    w[3] ^= kv;
    std::memcpy(dst + i, w, 64);
    if constexpr (CheckAscii) {
      const v16 any = w[0] | w[1] | w[2] | w[3];
      if ((any[0] | any[1]) & high_bits) {
        ascii_end = i;
        i += 64;
        return ascii_end;
      }
    }
  }
  return ascii_end;
}

#ifdef LASTWORD_X86_AVX2
// The same loop with 32-byte AVX2 registers, for processors that have them.
template <bool CheckAscii>
__attribute__((target("avx2"))) std::size_t mask_words_avx2(char* dst, const char* src,
                                                             std::size_t n, std::uint64_t k,
                                                             std::size_t& i) noexcept {
  const __m256i kv = _mm256_set1_epi64x(static_cast<long long>(k));
  for (; i + 128 <= n; i += 128) {
    const auto* s = reinterpret_cast<const __m256i*>(src + i);
    auto* d = reinterpret_cast<__m256i*>(dst + i);
    const __m256i a = _mm256_xor_si256(_mm256_loadu_si256(s + 0), kv);
    const __m256i b = _mm256_xor_si256(_mm256_loadu_si256(s + 1), kv);
    const __m256i c = _mm256_xor_si256(_mm256_loadu_si256(s + 2), kv);
    const __m256i e = _mm256_xor_si256(_mm256_loadu_si256(s + 3), kv);
    _mm256_storeu_si256(d + 0, a);
    _mm256_storeu_si256(d + 1, b);
    _mm256_storeu_si256(d + 2, c);
    _mm256_storeu_si256(d + 3, e);
    if constexpr (CheckAscii) {
      const __m256i any = _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, e));
      if (_mm256_movemask_epi8(any) != 0) {
        const std::size_t at = i;
        i += 128;
        return at;
      }
    }
  }
  return n;
}

const bool has_avx2 = __builtin_cpu_supports("avx2");
#endif

// Unmasks dst[i..n) from src; returns where the ASCII prefix ends (n if all
// checked blocks were ASCII) when CheckAscii, else n.
template <bool CheckAscii>
std::size_t mask_range(char* dst, const char* src, std::size_t n, mask_key key,
                       std::size_t phase) noexcept {
  const std::uint64_t k = key_word(key, phase);
  std::size_t i = 0;
  std::size_t ascii_end = n;
#ifdef LASTWORD_X86_AVX2
  if (has_avx2) ascii_end = mask_words_avx2<CheckAscii>(dst, src, n, k, i);
#endif
  if (ascii_end == n) ascii_end = mask_words<CheckAscii>(dst, src, n, k, i);
  // Whatever is left after an early return is unmasked without checking.
  if (ascii_end != n) mask_words<false>(dst, src, n, k, i);
  const std::size_t vector_end = i;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, src + i, 8);
    w ^= k;
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; ++i) dst[i] = static_cast<char>(src[i] ^ key[(phase + i) & 3]);
  if constexpr (CheckAscii) {
    if (ascii_end != n) return ascii_end;
    for (std::size_t j = vector_end; j < n; ++j)
      if (static_cast<unsigned char>(dst[j]) & 0x80) return j;
  }
  return n;
}

}  // namespace

void copy_masked(char* dst, const char* src, std::size_t n, mask_key key,
                 std::size_t phase) noexcept {
  mask_range<false>(dst, src, n, key, phase);
}

std::size_t copy_masked_ascii_prefix(char* dst, const char* src, std::size_t n, mask_key key,
                                     std::size_t phase) noexcept {
  return mask_range<true>(dst, src, n, key, phase);
}

void apply_mask(char* data, std::size_t n, mask_key key, std::size_t phase) noexcept {
  copy_masked(data, data, n, key, phase);
}

}  // namespace lastword::wire
