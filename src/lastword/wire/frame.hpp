// lastword/wire/frame.hpp: RFC 6455 frames as values.
//
// A frame owns its (unmasked) payload. Masking is a property of the bytes
// on the wire, not of the frame: the encoder masks, the decoder unmasks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lastword::wire {

// RFC 6455 section 5.2. Other values are reserved and never stored here.
enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Which side of the connection this endpoint is. Section 5.1: a client masks
// every frame it sends, a server never does.
enum class role : std::uint8_t { client, server };

using mask_key = std::array<std::uint8_t, 4>;

struct frame {
  opcode op = opcode::text;
  bool fin = true;
  std::string payload;
  // RSV1 under permessage-deflate (RFC 7692 section 6): the first frame of
  // a compressed message; the payload is then compressed bytes.
  bool compressed = false;

  friend bool operator==(const frame&, const frame&) = default;
};

constexpr bool is_control(opcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

constexpr bool is_known_opcode(std::uint8_t v) noexcept {
  return v <= 0x2 || (v >= 0x8 && v <= 0xA);
}

std::string_view opcode_name(opcode op) noexcept;

// Section 5.5: control frame payloads are at most 125 bytes.
inline constexpr std::size_t max_control_payload = 125;

}  // namespace lastword::wire
