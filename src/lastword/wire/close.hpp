// lastword/wire/close.hpp: close frame payloads (RFC 6455 sections 5.5.1, 7.4).
//
// A close payload is empty, or a 2-byte big-endian status code followed by
// a UTF-8 reason. Which codes may travel on the wire:
//   1000-1003, 1007-1014: defined (1012-1014 registered with IANA later);
//   3000-4999: libraries, frameworks and applications.
// Never on the wire: 0-999, 1004 (reserved), 1005 (no status received),
// 1006 (abnormal closure), 1015 (TLS failure), 1016-2999 (unassigned).
// This matches the Autobahn|Testsuite close cases (section 7).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace lastword::wire {

// Well-known codes by their RFC names.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status_received = 1005;  // never sent
inline constexpr std::uint16_t abnormal_closure = 1006;    // never sent
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
}  // namespace close_code

// Section 5.5: 125 bytes of control payload less the 2-byte code.
inline constexpr std::size_t max_close_reason = 123;

bool is_valid_close_code(std::uint16_t code) noexcept;

// A normal closure's code (SPEC C): 1000, 1001, or none (1005).
bool is_normal_close_code(std::uint16_t code) noexcept;

// Whether an endpoint may send this close: no code (1005) with no reason,
// or a valid code; a reason of valid UTF-8 within max_close_reason bytes.
bool may_send_close(std::uint16_t code, std::string_view reason) noexcept;

struct close_payload {
  // close_code::no_status_received when the payload was empty.
  std::uint16_t code = close_code::no_status_received;
  std::string reason;

  friend bool operator==(const close_payload&, const close_payload&) = default;
};

// Parses a received close payload. Errors: close_payload_one_byte,
// invalid_close_code, invalid_close_reason_utf8.
std::error_code parse_close_payload(std::string_view payload, close_payload& out);

// Encodes a close payload; code no_status_received gives an empty payload.
// REQUIRES: code == no_status_received, or is_valid_close_code(code) and
// reason is valid UTF-8 of at most max_close_reason bytes.
std::string encode_close_payload(std::uint16_t code, std::string_view reason);

}  // namespace lastword::wire
