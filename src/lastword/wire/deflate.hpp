// lastword/wire/deflate.hpp: permessage-deflate (RFC 7692) on zlib.
//
// The extension's negotiation (section 5: parameters of the
// Sec-WebSocket-Extensions offer and response) and its per-message
// transform (section 7.2): a message is compressed with raw DEFLATE, the
// final 4 octets 00 00 ff ff of a sync flush are removed, and the receiver
// appends them again before inflating. The inflated size is bounded by the
// message size limit, so that a small compressed message cannot make the
// receiver allocate without bound (a decompression bomb).
//
// Thread rule: a deflater or inflater belongs to one direction of one
// connection (it carries the LZ77 window between messages); not shared.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lastword/wire/error.hpp"
#include "lastword/wire/frame.hpp"
#include "lastword/wire/utf8.hpp"

namespace lastword::wire {

struct deflate_params {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;  // 8..15
  int client_max_window_bits = 15;
  friend bool operator==(const deflate_params&, const deflate_params&) = default;
};

// Section 5: a server's answer to a client's Sec-WebSocket-Extensions
// header. Picks the first permessage-deflate offer whose parameters are
// valid; `no_context_takeover` asks for server_no_context_takeover and
// client_no_context_takeover both. nullopt: no acceptable offer (the
// server then does not use the extension, section 5).
std::optional<deflate_params> accept_deflate_offer(std::string_view offers, bool no_context_takeover);
// The extension header value that states `p` (for the response or offer).
std::string deflate_header(const deflate_params& p);
// Section 5: a client reads the server's response. nullopt when it does
// not name permessage-deflate; `bad` when it does with invalid parameters
// (the client must then fail the connection).
std::optional<deflate_params> parse_deflate_response(std::string_view response, bool& bad);

class deflater {
 public:
  // window_bits: 8..15 (zlib cannot write 8 and uses 9, which an inflater
  // with 8 still reads as RFC 7692 section 7.1.2.1 allows).
  deflater(bool no_context_takeover, int window_bits);
  ~deflater();
  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;
  // Movable: the zlib stream stays where it is (zlib keeps a pointer to it).
  deflater(deflater&&) noexcept;
  deflater& operator=(deflater&&) = delete;
  // Section 7.2.1: the compressed payload of one message.
  std::string compress(std::string_view message);

 private:
  struct state;
  std::unique_ptr<state> s_;
  bool no_context_takeover_;
};

class inflater {
 public:
  enum class status { ok, bad_data, too_big };
  inflater(bool no_context_takeover, int window_bits, std::uint64_t max_size);
  ~inflater();
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
  inflater(inflater&&) noexcept;
  inflater& operator=(inflater&&) = delete;
  // Section 7.2.2: inflates one message's payload into `out`. too_big as
  // soon as the output would pass max_size (stops inflating there).
  status inflate(std::string_view payload, std::string& out) { return inflate_part(payload, true, out); }
  // The same, one frame's payload at a time; `last`: the message's final
  // frame. max_size bounds the whole message.
  status inflate_part(std::string_view payload, bool last, std::string& out);
  // The last message inflated (so far) ended its DEFLATE data with a block
  // that has BFINAL set (RFC 7692 section 7.2.3.4 allows it); also when
  // inflating stopped there because the output passed max_size.
  bool final_block() const noexcept { return final_block_; }
  // The last message failed (bad_data) because its data, with the 4
  // octets appended, stopped inside a DEFLATE block.
  bool unfinished_block() const noexcept { return unfinished_block_; }

 private:
  struct state;
  std::unique_ptr<state> s_;
  bool no_context_takeover_;
  std::uint64_t max_size_;
  std::uint64_t message_size_ = 0;
  bool in_message_ = false;
  bool final_block_ = false;
  bool unfinished_block_ = false;
};

// The receiving side of permessage-deflate over decoded frames: what the
// connection, the judge, the simulation's view of the written stream and
// the differential comparison all do with a frame stream from a decoder
// with `compression` on. One per direction of one connection.
class message_inflater {
 public:
  message_inflater(bool no_context_takeover, int window_bits, std::uint64_t max_message_size)
      : inflater_(no_context_takeover, window_bits, max_message_size) {}
  // REQUIRES: `f` is the next data frame of the stream (control frames do
  // not come here). When its message is compressed, replaces the payload
  // with the inflated bytes and clears `compressed`. Returns the error that
  // fails the connection, or error{} when there is none:
  //   bad_compressed_data  the payload does not inflate (1007, see error.hpp)
  //   inflated_too_big     the inflated message passes the size limit (1009),
  //                        found before more than 16 KiB past the limit
  //                        are held
  //   invalid_utf8         inflated text that is not UTF-8 (RFC 6455 8.1)
  error inflate(frame& f);
  // The message of the last frame given was compressed and its DEFLATE
  // data ended with a BFINAL block.
  bool final_block() const noexcept { return compressed_ && inflater_.final_block(); }
  // ... or was rejected because its data stopped inside a DEFLATE block.
  bool unfinished_block() const noexcept { return compressed_ && inflater_.unfinished_block(); }
  // When the last frame given was rejected: what it inflated to before
  // that (the differential comparison asks what a receiver that accepts
  // such data makes of it). Empty otherwise.
  const std::string& last_output() const noexcept { return out_; }

 private:
  inflater inflater_;
  bool compressed_ = false;
  bool text_ = false;
  utf8_validator utf8_;
  std::string out_;
};

// The inflater for the messages `receiver` gets under `p` (RFC 7692
// section 7.1.1: each side's no_context_takeover and window bits concern
// the messages that side sends).
message_inflater receiving_inflater(const deflate_params& p, role receiver, std::uint64_t max_message_size);
// The deflater for the messages `sender` sends under `p`.
std::unique_ptr<deflater> sending_deflater(const deflate_params& p, role sender);

}  // namespace lastword::wire
