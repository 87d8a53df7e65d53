#include "lastword/wire/close.hpp"

#include "lastword/wire/assert.hpp"
#include "lastword/wire/error.hpp"
#include "lastword/wire/utf8.hpp"

namespace lastword::wire {

bool is_valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

bool is_normal_close_code(std::uint16_t code) noexcept {
  return code == close_code::normal || code == close_code::going_away || code == close_code::no_status_received;
}

bool may_send_close(std::uint16_t code, std::string_view reason) noexcept {
  if (code == close_code::no_status_received) return reason.empty();
  return is_valid_close_code(code) && reason.size() <= max_close_reason && is_valid_utf8(reason);
}

std::error_code parse_close_payload(std::string_view payload, close_payload& out) {
  if (payload.empty()) {
    out = {};
    return {};
  }
  // Section 5.5.1: if there is a body, its first two bytes are the code.
  if (payload.size() == 1) return error::close_payload_one_byte;
  const auto code = static_cast<std::uint16_t>(
      (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]));
  // Section 7.4.1/7.4.2: codes that must not be sent are invalid when received.
  if (!is_valid_close_code(code)) return error::invalid_close_code;
  const std::string_view reason = payload.substr(2);
  if (!is_valid_utf8(reason)) return error::invalid_close_reason_utf8;
  out.code = code;
  out.reason.assign(reason);
  return {};
}

std::string encode_close_payload(std::uint16_t code, std::string_view reason) {
  if (code == close_code::no_status_received) {
    LASTWORD_ASSERT(reason.empty());
    return {};
  }
  LASTWORD_ASSERT(is_valid_close_code(code));
  LASTWORD_ASSERT(reason.size() <= max_close_reason);
  std::string out;
  out.reserve(2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

}  // namespace lastword::wire
