// lastword/history/history.hpp: what one run showed from the outside.
//
// A history is the sequence of observable events of one scenario run: the
// bytes the implementation read (and when a read returned EOF or a reset),
// the consumer's calls and their results, the frames the implementation
// wrote, and when it shut down or dropped the transport. It holds nothing
// about the implementation's internals, so that the judge can hold a black
// box to the contract. Standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lastword/scenario/scenario.hpp"
#include "lastword/wire/frame.hpp"

namespace lastword::history {

struct call_result {
  // refused: close() with a code or reason that may not be sent (nothing
  // sent, nothing changed). sent: send()'s frame was written to the
  // transport. failed: send() failed (called after close(), misuse, or the
  // transport failed first); it wrote nothing.
  enum class kind : std::uint8_t { message, fragment, closed, timeout, cancelled, busy, refused, sent, failed };
  kind k = kind::closed;
  bool text = true;       // message, fragment
  bool fin = true;        // fragment
  std::string data;       // message, fragment
  std::uint16_t code = 0; // closed
  std::string reason;     // closed
  bool handshake_completed = false;
  bool normal = false;

  friend bool operator==(const call_result&, const call_result&) = default;
};

std::string_view kind_name(call_result::kind k) noexcept;

enum class call_kind : std::uint8_t { recv, recv_streaming, close, send };

std::string_view call_name(call_kind k) noexcept;

struct event {
  enum class kind : std::uint8_t {
    read,              // the implementation read `bytes` bytes at stream `offset`
    read_eof,          // a read returned EOF
    read_reset,        // a read returned a reset
    call,              // the consumer started call `call`
    result,            // call `call` produced `result` (`final`: the call ended)
    wrote,             // the implementation wrote `frame`
    wrote_invalid,     // the implementation wrote bytes that are not a frame
    output_shutdown,   // the implementation shut down its output (TCP FIN)
    transport_closed,  // the implementation dropped the transport
  };
  kind k = kind::read;
  std::size_t step = 0;        // index into the schedule; schedule.size() = the end
  std::uint64_t time_ms = 0;   // virtual time
  std::size_t call = 0;
  call_kind what = call_kind::recv;
  std::optional<std::uint64_t> timeout_ms;  // call: recv timeout
  call_result result;
  bool final = true;
  std::size_t offset = 0, bytes = 0;
  wire::frame frame;

  friend bool operator==(const event&, const event&) = default;
};

// Where the reader stood when a step had settled (for flow control).
struct step_end {
  std::size_t unread = 0;    // offered bytes not read yet
  bool read_pending = false;  // a read is waiting for bytes
  bool transport_ended = false;  // a read returned EOF/reset, or the implementation closed
  bool settled = true;  // false inside a turn (a step joined to the next by ';')

  friend bool operator==(const step_end&, const step_end&) = default;
};

struct history {
  std::string impl;
  std::vector<event> events;
  std::vector<step_end> steps;  // one per schedule step, then one for the end
  // Non-empty: the scenario asks for something this implementation cannot
  // express, and why. Such a history is neither a pass nor a failure; the
  // judge refuses it (callers report it as not applicable).
  std::string not_applicable;
};

// A readable timeline: one line per event (step, actor, action, result).
std::string timeline(const scenario::scenario& s, const history& h);

}  // namespace lastword::history
