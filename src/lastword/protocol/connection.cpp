#include "lastword/protocol/connection.hpp"

#include <utility>

#include "lastword/wire/assert.hpp"
#include "lastword/wire/error.hpp"

namespace lastword::protocol {
namespace {

class misuse_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lastword.protocol.misuse"; }
  std::string message(int ev) const override {
    switch (static_cast<misuse>(ev)) {
      case misuse::not_open: return "the connection is not open for sending";
      case misuse::message_in_progress: return "a fragmented message is in progress";
      case misuse::no_message_to_continue: return "no fragmented message to continue";
      case misuse::invalid_close_code: return "close code may not be sent";
      case misuse::invalid_close_reason: return "close reason over 123 bytes or not UTF-8";
      case misuse::invalid_utf8: return "text is not valid UTF-8";
      case misuse::control_too_long: return "control payload over 125 bytes";
      case misuse::data_after_eof: return "data received after end of file";
    }
    return "unknown misuse";
  }
};

}  // namespace

const std::error_category& misuse_category() noexcept {
  static const misuse_category_impl instance;
  return instance;
}

std::error_code make_error_code(misuse m) noexcept {
  return {static_cast<int>(m), misuse_category()};
}

std::string_view state_name(state s) noexcept {
  switch (s) {
    case state::open: return "open";
    case state::closing: return "closing";
    case state::closed: return "closed";
  }
  return "unknown";
}

std::string_view input_end_name(input_end e) noexcept {
  switch (e) {
    case input_end::none: return "none";
    case input_end::close_frame: return "close_frame";
    case input_end::eof: return "eof";
    case input_end::failed: return "failed";
  }
  return "unknown";
}

connection::connection(options opts, wire::mask_source masks)
    : opts_(opts),
      masks_(std::move(masks)),
      decoder_(wire::decoder_options{opts.local_role, opts.max_frame_size, opts.max_message_size,
                                     opts.deflate.has_value()}) {
  LASTWORD_ASSERT(opts_.local_role == wire::role::server || masks_);
  if (opts_.deflate) {
    // RFC 7692 section 7.1.1: each side's no_context_takeover and window
    // concern the messages that side sends.
    inflater_ = std::make_shared<wire::message_inflater>(
        wire::receiving_inflater(*opts_.deflate, opts_.local_role, opts_.max_message_size));
    deflater_ = wire::sending_deflater(*opts_.deflate, opts_.local_role);
  }
}

std::error_code connection::receive_data(std::string_view bytes) {
  if (eof_received_) return misuse::data_after_eof;
  received_ += bytes.size();
  while (!bytes.empty()) {
    if (end_ != input_end::none) {
      // Section 1.4: after the close frame (or failing), input is ignored.
      discarded_ += bytes.size();
      return {};
    }
    switch (decoder_.decode(bytes, scratch_)) {
      case wire::frame_decoder::status::need_more:
        LASTWORD_ASSERT(bytes.empty());
        break;
      case wire::frame_decoder::status::frame:
        if (inflater_ && !wire::is_control(scratch_.op)) {
          // Data that does not inflate, an inflated message over the size
          // limit or inflated text that is not UTF-8 fails the connection
          // (1007, 1009, 1007: wire/error.hpp).
          if (const auto e = inflater_->inflate(scratch_); e != wire::error{}) {
            protocol_error_ = e;
            fail(wire::close_code_for(protocol_error_));
            scratch_ = {};
            break;
          }
        }
        handle_frame(std::move(scratch_));
        scratch_ = {};
        break;
      case wire::frame_decoder::status::failed:
        protocol_error_ = decoder_.error();
        fail(wire::close_code_for(protocol_error_));
        break;
    }
  }
  return {};
}

void connection::handle_frame(wire::frame&& f) {
  switch (f.op) {
    case wire::opcode::ping:
      // Section 5.5.2: answer with a pong carrying the same payload. After
      // our close frame nothing more is sent, pongs included.
      if (state_ == state::open) send_frame(wire::opcode::pong, true, f.payload);
      break;
    case wire::opcode::close: {
      wire::close_payload received;
      const auto ec = wire::parse_close_payload(f.payload, received);
      LASTWORD_ASSERT(!ec);  // the decoder validated it
      close_received_ = std::move(received);
      // Section 5.5.1: echo a close frame we did not initiate, usually with
      // the code received.
      if (state_ == state::open) send_close_frame(close_received_->code, {});
      state_ = state::closed;
      end_input(input_end::close_frame);
      // Section 7.1.1: the server closes the TCP connection first; the
      // client waits for it (close_expected() arms the I/O layer's timer).
      if (opts_.local_role == wire::role::server) end_output();
      break;
    }
    default:
      break;
  }
  events_.push_back(std::move(f));
}

void connection::receive_eof() {
  if (eof_received_) return;
  eof_received_ = true;
  if (end_ == input_end::none) end_input(input_end::eof);
  state_ = state::closed;
  // Section 7.1.1: once the peer closed TCP, so do we.
  end_output();
}

std::vector<wire::frame> connection::take_events() {
  std::vector<wire::frame> out;
  out.swap(events_);
  return out;
}

std::string connection::take_output() {
  std::string out;
  out.swap(output_);
  return out;
}

void connection::send_frame(wire::opcode op, bool fin, std::string_view payload, bool compressed) {
  LASTWORD_ASSERT(!output_ended_);
  LASTWORD_ASSERT(!close_sent_);
  if (compressed) {
    wire::header_fields h;
    h.fin = fin;
    h.rsv1 = true;
    h.opcode = static_cast<std::uint8_t>(op);
    h.length = payload.size();
    std::optional<wire::mask_key> key;
    if (opts_.local_role == wire::role::client) {
      key = masks_();
      h.masked = true;
      h.key = *key;
    }
    wire::encode_header(output_, h);
    const std::size_t at = output_.size();
    output_.append(payload);
    if (key) wire::apply_mask(output_.data() + at, payload.size(), *key, 0);
    return;
  }
  if (opts_.local_role == wire::role::client) {
    const wire::mask_key key = masks_();
    wire::encode_frame(output_, op, fin, payload, &key);
  } else {
    wire::encode_frame(output_, op, fin, payload, nullptr);
  }
}

void connection::send_close_frame(std::uint16_t code, std::string_view reason) {
  send_frame(wire::opcode::close, true, wire::encode_close_payload(code, reason));
  close_sent_ = wire::close_payload{code, std::string(reason)};
}

void connection::end_input(input_end why) {
  LASTWORD_ASSERT(end_ == input_end::none);
  end_ = why;
}

std::error_code connection::send_data(wire::opcode op, std::string_view payload, bool fin) {
  if (state_ != state::open) return misuse::not_open;
  const bool continuation = op == wire::opcode::continuation;
  if (continuation && !sending_message_) return misuse::no_message_to_continue;
  if (!continuation && sending_message_) return misuse::message_in_progress;
  const bool text = continuation ? sending_text_ : op == wire::opcode::text;
  wire::utf8_validator utf8 = continuation ? sending_utf8_ : wire::utf8_validator{};
  if (text && (!utf8.feed(payload) || (fin && !utf8.complete()))) return misuse::invalid_utf8;
  if (deflater_ && !continuation && fin) {
    // RFC 7692 section 6: a whole message, compressed, RSV1 on its frame.
    // Fragmented messages are sent uncompressed (section 6 allows it).
    send_frame(op, fin, deflater_->compress(payload), true);
  } else {
    send_frame(op, fin, payload);
  }
  sending_message_ = !fin;
  if (!continuation) sending_text_ = text;
  sending_utf8_ = utf8;
  return {};
}

std::error_code connection::send_text(std::string_view payload, bool fin) {
  return send_data(wire::opcode::text, payload, fin);
}

std::error_code connection::send_binary(std::string_view payload, bool fin) {
  return send_data(wire::opcode::binary, payload, fin);
}

std::error_code connection::send_continuation(std::string_view payload, bool fin) {
  return send_data(wire::opcode::continuation, payload, fin);
}

std::error_code connection::send_ping(std::string_view payload) {
  if (state_ != state::open) return misuse::not_open;
  if (payload.size() > wire::max_control_payload) return misuse::control_too_long;
  send_frame(wire::opcode::ping, true, payload);
  return {};
}

std::error_code connection::send_pong(std::string_view payload) {
  if (state_ != state::open) return misuse::not_open;
  if (payload.size() > wire::max_control_payload) return misuse::control_too_long;
  send_frame(wire::opcode::pong, true, payload);
  return {};
}

std::error_code connection::send_close(std::uint16_t code, std::string_view reason) {
  if (state_ != state::open) return misuse::not_open;
  if (!wire::may_send_close(code, reason))
    return code != wire::close_code::no_status_received && !wire::is_valid_close_code(code)
               ? misuse::invalid_close_code
               : misuse::invalid_close_reason;
  send_close_frame(code, reason);
  state_ = state::closing;
  return {};
}

void connection::fail(std::uint16_t code, std::string_view reason) {
  if (end_ != input_end::none) return;
  // Section 7.1.7: send a close frame if none was sent, then close the
  // connection. A code that may not travel (1006) sends nothing.
  if (state_ == state::open && wire::is_valid_close_code(code)) {
    send_close_frame(code, reason.size() <= wire::max_close_reason ? reason : std::string_view{});
  }
  failed_with_ = code;
  state_ = state::closed;
  end_input(input_end::failed);
  end_output();
}

void connection::abort() {
  if (end_ == input_end::none) end_input(input_end::eof);
  state_ = state::closed;
  end_output();
}

close_status connection::status() const {
  close_status s;
  s.handshake_completed = close_sent_.has_value() && close_received_.has_value();
  if (failed_with_) {
    s.code = *failed_with_;
    if (close_sent_) s.reason = close_sent_->reason;
  } else if (close_received_) {
    s.code = close_received_->code;
    s.reason = close_received_->reason;
  } else {
    s.code = wire::close_code::abnormal_closure;
  }
  s.normal = s.handshake_completed && !failed_with_ && wire::is_normal_close_code(close_received_->code) &&
             wire::is_normal_close_code(close_sent_->code);
  return s;
}

}  // namespace lastword::protocol
