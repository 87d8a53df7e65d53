// lastword/wire/codec.hpp: the RFC 6455 frame encoder and incremental decoder.
//
// frame_decoder turns a received byte stream, split any way at all, into
// frames, or into the first error that fails the connection. Fed one byte at
// a time or everything at once, it yields the same frames and the same
// error after the same frames. "Need more bytes" is not an error.
//
// It enforces every framing rule of RFC 6455 that concerns the received
// stream: base framing (5.2), masking by role (5.1, 5.3), fragmentation
// (5.4), control frames (5.5), close payloads (5.5.1, 7.4), UTF-8 of text
// messages across fragments (8.1), and the local size limits, which are
// checked from the header before any payload byte is buffered (10.4).
// A non-minimal length encoding (a 16-bit length under 126, a 64-bit length
// under 65536) is rejected as a protocol violation: section 5.2 says "the
// minimal number of bytes MUST be used to encode the length".
//
// Thread rule: a decoder belongs to one connection; not shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "lastword/wire/error.hpp"
#include "lastword/wire/frame.hpp"
#include "lastword/wire/utf8.hpp"

namespace lastword::wire {

inline constexpr std::uint64_t default_max_message_size = 1u << 20;

struct decoder_options {
  // The role of the endpoint that receives: a server requires masked frames,
  // a client forbids them.
  role local_role = role::client;
  std::uint64_t max_frame_size = default_max_message_size;
  std::uint64_t max_message_size = default_max_message_size;
  // permessage-deflate was negotiated (RFC 7692): RSV1 marks the first frame
  // of a compressed message. The size limits then apply to the compressed
  // bytes here, and to the inflated size in the inflater; UTF-8 of a
  // compressed text message is checked after inflating.
  bool compression = false;
};

class frame_decoder {
 public:
  enum class status { need_more, frame, failed };

  explicit frame_decoder(decoder_options options = {}) : options_(options) {}

  // Consumes bytes from the front of `in`. Returns
  //   frame:     `out` holds the next frame (payload unmasked); `in` may
  //              still hold bytes of later frames;
  //   need_more: all of `in` was consumed without completing a frame;
  //   failed:    error() tells why; the decoder stays failed and consumes
  //              nothing more.
  status decode(std::string_view& in, frame& out);

  std::error_code error() const noexcept { return error_; }
  // Stream offset just after the byte that revealed the error, or of the
  // next byte to decode.
  std::uint64_t bytes_consumed() const noexcept { return consumed_; }
  // True when no frame is partially decoded.
  bool at_frame_boundary() const noexcept { return stage_ == stage::header && have_ == 0; }
  // True inside a fragmented data message (its final frame not yet decoded).
  bool in_message() const noexcept { return in_message_; }
  const decoder_options& options() const noexcept { return options_; }

 private:
  enum class stage : std::uint8_t { header, payload };

  status fail(wire::error e) noexcept;
  wire::error check_first_byte() const noexcept;
  wire::error check_second_byte() noexcept;
  wire::error check_header() noexcept;
  wire::error finish_frame(frame& out);

  decoder_options options_;
  std::error_code error_;
  std::uint64_t consumed_ = 0;

  // Frame in progress.
  stage stage_ = stage::header;
  unsigned char header_[14] = {};
  std::size_t have_ = 0;   // header bytes read
  std::size_t need_ = 2;   // header bytes expected (known after byte 2)
  opcode op_ = opcode::text;
  bool fin_ = false;
  bool masked_ = false;
  mask_key key_{};
  std::uint64_t length_ = 0;
  std::uint64_t read_ = 0;  // payload bytes read

  // Message in progress (section 5.4).
  bool in_message_ = false;
  bool message_compressed_ = false;
  opcode message_op_ = opcode::text;
  std::uint64_t message_size_ = 0;
  utf8_validator utf8_;
};

// Every field of a frame header, including ones a valid peer never sets,
// so that tests and scenarios can write any byte stream.
struct header_fields {
  bool fin = true;
  bool rsv1 = false, rsv2 = false, rsv3 = false;
  std::uint8_t opcode = 0x1;
  bool masked = false;
  mask_key key{};
  std::uint64_t length = 0;
  // 0 picks the minimal encoding; 2 forces 16-bit, 8 forces 64-bit.
  int extended_length_bytes = 0;
};

void encode_header(std::string& out, const header_fields& h);

// Appends a complete frame to `out`; with a key the payload is masked.
void encode_frame(std::string& out, opcode op, bool fin, std::string_view payload,
                  const mask_key* key = nullptr);

}  // namespace lastword::wire
