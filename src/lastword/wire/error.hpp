// lastword/wire/error.hpp: why a received frame stream fails the connection.
//
// Each rule of RFC 6455 that a peer can break has its own fine error code
// (wire::error). Codes group under three coarse conditions
// (wire::condition), one per close code an endpoint fails the connection
// with: protocol_violation (1002), invalid_payload (1007), too_big (1009).
// close_code_for() is the one function that maps an error to a close code.
//
// Thread rule: everything here is immutable or pure; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace lastword::wire {

enum class error {
  // RFC 6455 section 5.2: base framing.
  reserved_bits_set = 1,       // RSV1-3 set without a negotiated extension
  unknown_opcode,              // opcodes 3-7 and 0xB-0xF are reserved
  length_top_bit_set,          // 64-bit length with the most significant bit set
  non_minimal_length,          // length not in the shortest encoding
  // Section 5.1 / 5.3: masking by role.
  mask_required,               // a client sent an unmasked frame
  mask_forbidden,              // a server sent a masked frame
  // Section 5.5: control frames.
  control_frame_too_long,      // control payload over 125 bytes
  control_frame_fragmented,    // control frame without FIN
  // Section 5.4: fragmentation.
  continuation_without_start,  // continuation frame outside a message
  data_frame_inside_message,   // text/binary frame inside a fragmented message
  // Section 5.5.1 / 7.4: close payloads.
  close_payload_one_byte,      // a close payload must be empty or >= 2 bytes
  invalid_close_code,          // code never valid on the wire (1005, 1006, ...)
  invalid_close_reason_utf8,   // close reason is not UTF-8
  // Section 8.1: text.
  invalid_utf8,                // text message is not UTF-8
  // Local limits (section 10.4): close code 1009.
  frame_too_big,               // frame payload over the frame size limit
  message_too_big,             // message payload over the message size limit
  // RFC 7692 (permessage-deflate, when negotiated).
  bad_compressed_data,         // a compressed message does not inflate (1007)
  inflated_too_big,            // a message inflates past the message size limit (1009)
};

enum class condition {
  protocol_violation = 1,  // close code 1002
  invalid_payload,         // close code 1007
  too_big,                 // close code 1009
};

const std::error_category& error_category() noexcept;
const std::error_category& condition_category() noexcept;

std::error_code make_error_code(error e) noexcept;
std::error_condition make_error_condition(condition c) noexcept;

// The close code to fail the connection with for `ec`.
// REQUIRES: ec belongs to error_category().
std::uint16_t close_code_for(std::error_code ec) noexcept;

// Short stable identifier of a fine code, e.g. "mask_required".
std::string_view error_name(error e) noexcept;

}  // namespace lastword::wire

template <>
struct std::is_error_code_enum<lastword::wire::error> : std::true_type {};
template <>
struct std::is_error_condition_enum<lastword::wire::condition> : std::true_type {};
