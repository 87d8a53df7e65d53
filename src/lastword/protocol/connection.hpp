// lastword/protocol/connection.hpp: the Sans-I/O WebSocket connection.
//
// Bytes go in (receive_data, receive_eof); received frames come out as
// events, in order; API calls (send_*, send_close, fail) and received
// control frames produce bytes to send. No sockets, clocks or threads: the
// I/O layer moves bytes and keeps time, and asks close_expected() whether to
// arm its close timer.
//
// States follow RFC 6455: open; closing (we sent a close frame and wait for
// the peer's); closed (the closing handshake completed, or the connection
// was failed, or the transport ended).
//
// The end of input (SPEC.md) is the first of: the peer's close frame parsed,
// EOF, a fatal protocol error, or the I/O layer's abort()/fail(). After it,
// received bytes are discarded (section 1.4) and no event is produced.
//
// Invariants:
//  1. Events are exactly the frames the decoder yields before the end of
//     input, in order; data frames received in closing are events too.
//  2. Nothing is sent after our close frame (section 5.5.1), and nothing at
//     all after output_ended().
//  3. The first error wins: once the input has ended, its close status does
//     not change.
//  4. A failed call (local misuse) returns an error and changes nothing.
//
// Thread rule: one connection is used by one thread (or strand) at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/deflate.hpp"
#include "lastword/wire/frame.hpp"
#include "lastword/wire/mask.hpp"
#include "lastword/wire/utf8.hpp"

namespace lastword::protocol {

enum class state : std::uint8_t { open, closing, closed };
std::string_view state_name(state s) noexcept;

// What ended the input.
enum class input_end : std::uint8_t {
  none,         // input has not ended
  close_frame,  // the peer's close frame was parsed
  eof,          // the transport ended (EOF or reset) without a close frame
  failed,       // we failed the connection (protocol error or local fail())
};
std::string_view input_end_name(input_end e) noexcept;

// Local misuse: the call is refused and nothing changes.
enum class misuse {
  not_open = 1,           // sending after our close frame, or after the end
  message_in_progress,    // a new message before the fragmented one ended
  no_message_to_continue, // a continuation with no message started
  invalid_close_code,     // a code that may not be sent (section 7.4)
  invalid_close_reason,   // over 123 bytes, or not UTF-8
  invalid_utf8,           // text that is not UTF-8
  control_too_long,       // ping/pong payload over 125 bytes
  data_after_eof,         // receive_data after receive_eof
};
const std::error_category& misuse_category() noexcept;
std::error_code make_error_code(misuse m) noexcept;

struct options {
  wire::role local_role = wire::role::client;
  std::uint64_t max_frame_size = wire::default_max_message_size;
  std::uint64_t max_message_size = wire::default_max_message_size;
  // permessage-deflate as negotiated (RFC 7692): received messages with RSV1
  // are inflated (their events carry the inflated payload), and whole
  // messages sent with send_text/send_binary(fin) are compressed.
  std::optional<wire::deflate_params> deflate{};
};

// How the connection ended, as ConnectionClosed reports it (SPEC C).
struct close_status {
  // The peer's close code (1005 when its close frame had no code), or the
  // code we failed the connection with, or 1006 when no close frame arrived.
  std::uint16_t code = wire::close_code::abnormal_closure;
  std::string reason;
  bool handshake_completed = false;  // close frames both sent and received
  bool normal = false;  // both close frames were 1000, 1001 or empty

  friend bool operator==(const close_status&, const close_status&) = default;
};

class connection {
 public:
  // REQUIRES: a client gets a mask source (section 5.3: keys must be
  // unpredictable; tests inject a deterministic one).
  explicit connection(options opts, wire::mask_source masks = {});

  // --- input ------------------------------------------------------------
  // Feeds received bytes. Returns data_after_eof after receive_eof().
  std::error_code receive_data(std::string_view bytes);
  // The transport ended (EOF or reset). Idempotent.
  void receive_eof();

  // Frames received since the last call, in order.
  std::vector<wire::frame> take_events();

  // --- output -----------------------------------------------------------
  std::error_code send_text(std::string_view payload, bool fin = true);
  std::error_code send_binary(std::string_view payload, bool fin = true);
  std::error_code send_continuation(std::string_view payload, bool fin);
  std::error_code send_ping(std::string_view payload);
  std::error_code send_pong(std::string_view payload);
  // Starts the closing handshake (state open -> closing). code 1005 sends
  // an empty close frame.
  std::error_code send_close(std::uint16_t code = wire::close_code::normal,
                             std::string_view reason = {});
  // Fails the connection with `code` (1002, 1007, 1009, 1011, ...): sends a
  // close frame if we had not, ends the input and the output. The I/O
  // layer uses it for internal errors. No effect once the input has ended.
  void fail(std::uint16_t code, std::string_view reason = {});
  // Gives up on the peer (close timeout, local abort): ends the input as
  // if by EOF and ends the output, without sending anything.
  void abort();

  // Bytes to write, in order, since the last call.
  std::string take_output();
  // True once the transport should be closed after writing all output:
  // the explicit end-of-output marker.
  bool output_ended() const noexcept { return output_ended_; }

  // --- state ------------------------------------------------------------
  state current_state() const noexcept { return state_; }
  input_end end_of_input() const noexcept { return end_; }
  // True while the I/O layer should run its close timer: the closing
  // handshake started and the transport has not ended yet.
  bool close_expected() const noexcept { return state_ != state::open && !eof_received_; }
  close_status status() const;
  // The decoder error that failed the connection, if any.
  std::error_code protocol_error() const noexcept { return protocol_error_; }
  const std::optional<wire::close_payload>& close_received() const noexcept { return close_received_; }
  const std::optional<wire::close_payload>& close_sent() const noexcept { return close_sent_; }
  // Bytes received after the end of input and dropped (section 1.4).
  std::uint64_t bytes_discarded() const noexcept { return discarded_; }
  std::uint64_t bytes_received() const noexcept { return received_; }
  // Offset in the received stream of the next byte the decoder reads, or
  // just past the byte that revealed a protocol error.
  std::uint64_t input_offset() const noexcept { return decoder_.bytes_consumed(); }
  // False when the input stopped inside a frame or a fragmented message.
  bool input_at_frame_boundary() const noexcept {
    return decoder_.at_frame_boundary() && !decoder_.in_message();
  }
  wire::role local_role() const noexcept { return opts_.local_role; }
  // permessage-deflate is in use.
  bool compression() const noexcept { return inflater_ != nullptr; }

 private:
  void handle_frame(wire::frame&& f);
  void send_frame(wire::opcode op, bool fin, std::string_view payload, bool compressed = false);
  void send_close_frame(std::uint16_t code, std::string_view reason);
  void end_input(input_end why);
  void end_output() noexcept { output_ended_ = true; }
  std::error_code send_data(wire::opcode op, std::string_view payload, bool fin);

  options opts_;
  wire::mask_source masks_;
  wire::frame_decoder decoder_;
  wire::frame scratch_;
  std::vector<wire::frame> events_;
  std::string output_;

  state state_ = state::open;
  input_end end_ = input_end::none;
  bool eof_received_ = false;
  bool output_ended_ = false;
  std::optional<wire::close_payload> close_received_;
  std::optional<wire::close_payload> close_sent_;
  std::optional<std::uint16_t> failed_with_;
  std::error_code protocol_error_;
  std::uint64_t discarded_ = 0;
  std::uint64_t received_ = 0;

  // permessage-deflate: shared so that a connection stays copyable (a copy
  // shares the compression context; copies are for snapshots only).
  std::shared_ptr<wire::message_inflater> inflater_;
  std::shared_ptr<wire::deflater> deflater_;

  // Outgoing fragmented message (section 5.4), to refuse misuse.
  bool sending_message_ = false;
  bool sending_text_ = false;
  wire::utf8_validator sending_utf8_;
};

}  // namespace lastword::protocol

template <>
struct std::is_error_code_enum<lastword::protocol::misuse> : std::true_type {};
