// lastword/wire/test_support.hpp: helpers shared by wire and protocol tests.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "lastword/wire/codec.hpp"

namespace lastword::wire::testing {

inline std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

struct decoded {
  std::vector<frame> frames;
  std::error_code error;  // empty when the input ended without an error
  bool at_boundary = true;
};

// Decodes `input` split into pieces of `piece` bytes (0: all at once).
inline decoded decode_all(std::string_view input, decoder_options options, std::size_t piece = 0) {
  frame_decoder d(options);
  decoded out;
  frame f;
  while (!input.empty()) {
    const std::size_t n = piece == 0 ? input.size() : std::min(piece, input.size());
    std::string_view chunk = input.substr(0, n);
    input.remove_prefix(n);
    for (;;) {
      const auto st = d.decode(chunk, f);
      if (st == frame_decoder::status::frame) {
        out.frames.push_back(f);
        continue;
      }
      if (st == frame_decoder::status::failed) {
        out.error = d.error();
        return out;
      }
      break;
    }
  }
  out.at_boundary = d.at_frame_boundary();
  return out;
}

inline std::string masked_frame(opcode op, bool fin, std::string_view payload,
                                mask_key key = {0x37, 0xfa, 0x21, 0x3d}) {
  std::string out;
  encode_frame(out, op, fin, payload, &key);
  return out;
}

inline std::string unmasked_frame(opcode op, bool fin, std::string_view payload) {
  std::string out;
  encode_frame(out, op, fin, payload, nullptr);
  return out;
}

}  // namespace lastword::wire::testing
