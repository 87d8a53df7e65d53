#include "lastword/wire/error.hpp"

#include <string>

#include "lastword/wire/assert.hpp"

namespace lastword::wire {
namespace {

condition condition_of(error e) noexcept {
  switch (e) {
    case error::invalid_close_reason_utf8:
    case error::invalid_utf8:
    // RFC 7692 names no close code for a message that does not inflate
    // (section 7.2.2 only says how to inflate). RFC 6455 section 7.4.1
    // gives 1007 to data "not consistent with the type of the message", as
    // for text that is not UTF-8: a message marked compressed (RSV1) whose
    // payload is not DEFLATE data is that. node ws sends 1007 too.
    case error::bad_compressed_data:
      return condition::invalid_payload;
    case error::frame_too_big:
    case error::message_too_big:
    case error::inflated_too_big:
      return condition::too_big;
    default:
      return condition::protocol_violation;
  }
}

class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lastword.wire"; }
  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::reserved_bits_set: return "reserved bits set without an extension";
      case error::unknown_opcode: return "unknown opcode";
      case error::length_top_bit_set: return "64-bit payload length with the top bit set";
      case error::non_minimal_length: return "payload length not minimally encoded";
      case error::mask_required: return "unmasked frame from a client";
      case error::mask_forbidden: return "masked frame from a server";
      case error::control_frame_too_long: return "control frame payload over 125 bytes";
      case error::control_frame_fragmented: return "fragmented control frame";
      case error::continuation_without_start: return "continuation frame without a message to continue";
      case error::data_frame_inside_message: return "new data frame inside a fragmented message";
      case error::close_payload_one_byte: return "close payload of one byte";
      case error::invalid_close_code: return "invalid close code";
      case error::invalid_close_reason_utf8: return "close reason is not valid UTF-8";
      case error::invalid_utf8: return "text message is not valid UTF-8";
      case error::frame_too_big: return "frame over the size limit";
      case error::message_too_big: return "message over the size limit";
      case error::bad_compressed_data: return "compressed message does not inflate";
      case error::inflated_too_big: return "message inflates over the size limit";
    }
    return "unknown wire error";
  }
  std::error_condition default_error_condition(int ev) const noexcept override {
    return make_error_condition(condition_of(static_cast<error>(ev)));
  }
};

class condition_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lastword.wire.condition"; }
  std::string message(int ev) const override {
    switch (static_cast<condition>(ev)) {
      case condition::protocol_violation: return "protocol violation";
      case condition::invalid_payload: return "invalid payload data";
      case condition::too_big: return "message too big";
    }
    return "unknown wire condition";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const error_category_impl instance;
  return instance;
}

const std::error_category& condition_category() noexcept {
  static const condition_category_impl instance;
  return instance;
}

std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

std::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}

std::uint16_t close_code_for(std::error_code ec) noexcept {
  LASTWORD_ASSERT(&ec.category() == &error_category());
  // RFC 6455 section 7.4.1.
  if (ec == condition::invalid_payload) return 1007;
  if (ec == condition::too_big) return 1009;
  return 1002;
}

std::string_view error_name(error e) noexcept {
  switch (e) {
    case error::reserved_bits_set: return "reserved_bits_set";
    case error::unknown_opcode: return "unknown_opcode";
    case error::length_top_bit_set: return "length_top_bit_set";
    case error::non_minimal_length: return "non_minimal_length";
    case error::mask_required: return "mask_required";
    case error::mask_forbidden: return "mask_forbidden";
    case error::control_frame_too_long: return "control_frame_too_long";
    case error::control_frame_fragmented: return "control_frame_fragmented";
    case error::continuation_without_start: return "continuation_without_start";
    case error::data_frame_inside_message: return "data_frame_inside_message";
    case error::close_payload_one_byte: return "close_payload_one_byte";
    case error::invalid_close_code: return "invalid_close_code";
    case error::invalid_close_reason_utf8: return "invalid_close_reason_utf8";
    case error::invalid_utf8: return "invalid_utf8";
    case error::frame_too_big: return "frame_too_big";
    case error::message_too_big: return "message_too_big";
    case error::bad_compressed_data: return "bad_compressed_data";
    case error::inflated_too_big: return "inflated_too_big";
  }
  return "unknown";
}

}  // namespace lastword::wire
