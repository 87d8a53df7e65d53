// lastword/wire/mask.hpp: RFC 6455 section 5.3 masking.
//
// Masking is an XOR with the 4-byte key repeated; `phase` is the index of
// the first byte within the payload (so a payload can be masked in pieces).
// Both functions work a machine word at a time, not byte by byte.
#pragma once

#include <cstddef>
#include <functional>

#include "lastword/wire/frame.hpp"

namespace lastword::wire {

// XORs data[0..n) in place with the key, starting at payload index `phase`.
void apply_mask(char* data, std::size_t n, mask_key key, std::size_t phase) noexcept;

// dst[i] = src[i] ^ key[(phase + i) % 4]: copying and unmasking in one pass.
// REQUIRES: [dst, dst+n) and [src, src+n) do not overlap unless dst == src.
void copy_masked(char* dst, const char* src, std::size_t n, mask_key key,
                 std::size_t phase) noexcept;

// copy_masked() that also reports how much of the unmasked output is
// ASCII, in one pass: returns k such that dst[0..k) is all ASCII, with k = n
// when all of it is, else k at most 128 bytes before the first non-ASCII byte
// (the caller validates dst[k..n) as UTF-8 the slow way). Text payloads are
// mostly ASCII, so this is how the decoder unmasks and validates at once.
std::size_t copy_masked_ascii_prefix(char* dst, const char* src, std::size_t n, mask_key key,
                                     std::size_t phase) noexcept;

// Where a client's masking keys come from. Injected, so that the Sans-I/O
// core has no global randomness and runs are reproducible.
using mask_source = std::function<mask_key()>;

}  // namespace lastword::wire
