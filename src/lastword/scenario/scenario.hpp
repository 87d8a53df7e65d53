// lastword/scenario/scenario.hpp: the scenario vocabulary, and its text form.
//
// A scenario is a peer script (the frames the peer sends, in order) and a
// schedule (how those bytes are split into reads, when the transport ends,
// when the consumer calls, cancels or closes, and when time advances). The
// model, the simulation driver, the properties, the fuzzers and replay all
// speak it. Standard library only.
//
// Text form, one statement a line, '#' to the end of the line is a comment:
//
//   role client|server          the role of the implementation under test
//   option high N               flow control: pause above N queued frames
//   option low N                ... resume at N or fewer (N <= high)
//   option max-size N           message and frame size limit, bytes
//   option close-timeout MS     virtual milliseconds
//   option deflate [no-context-takeover]   permessage-deflate (RFC 7692)
//                               is negotiated; the peer compresses its data
//                               messages. The frames above are the messages
//                               before compression.
//
//   peer text PAYLOAD [more]    a frame the peer sends; `more`: FIN clear
//   peer binary PAYLOAD [more]
//   peer continuation PAYLOAD [more]
//   peer ping PAYLOAD | peer pong PAYLOAD
//   peer close [CODE [REASON]]  CODE may be any 16-bit number
//   peer raw PAYLOAD            bytes as they are (bad input)
//
//   read N | read frames N | read all    the next bytes, in one read
//   eof | reset                 the transport ends (reset drops unread bytes)
//   recv [timeout MS]           the consumer calls recv()
//   recv-streaming              ... recv_streaming(), to the end of a message
//   cancel                      cancels the newest pending recv or recv-streaming
//   close [CODE [REASON]]       the consumer calls close() (default 1000)
//   send text|binary PAYLOAD [more]   the consumer calls send(): one frame
//   send continuation PAYLOAD [more]  of its own message; `more`: FIN clear,
//                               the message goes on with `send continuation`.
//                               A send completes when its frame was written.
//   advance MS                  virtual time passes
//   stall-writes | release-writes
//
// PAYLOAD is "quoted text" (escapes \" \\ \n \r \t \xNN) or hex:0a1b...
// Steps joined by ';' on one line happen in the same scheduler turn.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lastword/wire/deflate.hpp"
#include "lastword/wire/frame.hpp"

namespace lastword::scenario {

struct peer_frame {
  enum class kind : std::uint8_t { text, binary, continuation, ping, pong, close, raw };
  kind k = kind::text;
  bool fin = true;
  std::string payload;                 // data, control payload, or raw bytes
  std::optional<std::uint16_t> code;   // close only
  std::string reason;                  // close only

  friend bool operator==(const peer_frame&, const peer_frame&) = default;
};

struct step {
  enum class kind : std::uint8_t {
    read_bytes, read_frames, read_all, eof, reset,
    recv, recv_streaming, cancel, close, advance, stall_writes, release_writes,
    send,
  };
  kind k = kind::recv;
  std::uint64_t n = 0;                    // read sizes, advance milliseconds
  std::optional<std::uint64_t> timeout;   // recv timeout, milliseconds
  std::uint16_t code = 1000;              // close
  std::string reason;                     // close
  // send: the frame kind (text, binary or continuation), its payload and
  // whether it ends the message.
  peer_frame::kind frame = peer_frame::kind::text;
  std::string payload;
  bool fin = true;
  bool same_turn_as_next = false;         // joined to the next step by ';'

  friend bool operator==(const step&, const step&) = default;
};

struct options {
  std::size_t high = 16;
  std::size_t low = 4;
  std::uint64_t max_size = 1u << 20;
  std::uint64_t close_timeout_ms = 1000;
  bool deflate = false;
  bool deflate_no_context_takeover = false;

  friend bool operator==(const options&, const options&) = default;
};

struct scenario {
  wire::role role = wire::role::client;
  options opts;
  std::vector<peer_frame> peer;
  std::vector<step> schedule;

  friend bool operator==(const scenario&, const scenario&) = default;
};

struct parse_error {
  std::size_t line = 0, column = 0;
  std::string message;
  std::string to_string() const;
};

// Parses the text form. Limits keep bad files from growing memory without
// bound: at most max_statements lines of content and max_payload bytes per
// payload.
inline constexpr std::size_t max_statements = 100000;
inline constexpr std::size_t max_payload = 16u << 20;
std::variant<scenario, parse_error> parse(std::string_view text);

// The canonical text form; parse(print(s)) == s.
std::string print(const scenario& s);

// The peer's bytes: every frame encoded in order (masked with a fixed key
// when the peer is a client), and the offset where each frame ends.
struct peer_bytes {
  std::string bytes;
  std::vector<std::size_t> frame_ends;
};
// With option deflate, the data messages are compressed as
// encode_peer(s, *deflate_params(s.opts)) says.
peer_bytes encode_peer(const scenario& s);

// permessage-deflate as a scenario negotiates it: with option deflate, both
// sides' no_context_takeover as the option says and 15-bit windows;
// nullopt without it.
std::optional<wire::deflate_params> deflate_params(const options& o);
// The peer's bytes when permessage-deflate was agreed with parameters `p`
// (RFC 7692): each data message compressed whole, RSV1 on its first frame,
// its compressed bytes spread over its frames; control frames and raw bytes
// as encode_peer writes them. frame_ends as in encode_peer.
peer_bytes encode_peer(const scenario& s, const wire::deflate_params& p);
// The key the peer masks its frames with when it is the client.
inline constexpr wire::mask_key peer_mask_key{0x6c, 0x77, 0x2d, 0x31};

std::string_view step_name(step::kind k) noexcept;

}  // namespace lastword::scenario
