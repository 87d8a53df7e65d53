// model/model.hpp: the delivery contract of SPEC.md as a state machine.
//
// The formal model, written from the SPEC and never from the reference
// implementation. It speaks the scenario vocabulary at frame granularity:
// a peer script (data messages split in fragments, then how the script
// ends) and actions that are scenario steps (read the next frame or all,
// EOF, reset, recv with and without a zero timeout, recv-streaming, cancel,
// close, advance time past every timeout; the consumer's own send() of a
// message in one frame or two, a send() in the turn of close(), and our
// writes stalled and released). After each action the model settles, as a
// real system does when nothing external happens: the reader reads what it
// may, the pending consumer call completes if it can, whatever is queued
// for writing is written unless writes are stalled.
//
// The send side (SPEC S) is counted, not listed: how many messages the
// consumer sent while the connection was open, how many were written, and
// how many were written when our close frame (ours or the echo) went out.
//
// A state is small and packed into 64 bits (each field's width checked
// against the scope when the machine is built); every invariant of the SPEC
// that is a property of states is a named predicate (invariants()), and the
// properties of transitions (T: zero timeout, X: cancellation) are checked
// in step(). Deliberately broken specs (model::flaw) exist to show that the
// checker rejects them.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "lastword/scenario/scenario.hpp"

namespace lastword::model {

// How a peer script ends.
enum class script_end : std::uint8_t { close, bad_frame, none };

struct script {
  std::vector<std::uint8_t> fragments;  // fragments of each data message
  script_end end = script_end::close;
  bool ping = false;                    // a ping before the first data frame
};

enum class action : std::uint8_t {
  read_frame,   // the next peer frame, in one read
  read_all,     // every frame not offered yet, in one read
  eof,          // the transport ends after what was offered
  reset,        // the transport is reset: unread bytes are lost
  recv,         // recv() without a timeout
  recv_zero,    // recv() with a zero timeout
  recv_timeout, // recv() with a timeout that `advance` expires
  streaming,    // recv_streaming() of one message
  cancel,       // cancel the pending consumer call
  close,        // the application's close(1000)
  advance,      // time passes beyond every timeout
  read_frame_and_advance,  // the next frame and the timeouts, in one turn
  read_all_and_eof,        // every frame left and EOF, in one turn
  send,            // send() of the next message, one frame (text or binary by its index)
  send_fragmented, // send() of the next message in two frames (more, then continuation), one turn
  send_and_close,  // send() of the next message and close(1000) in one turn: the send in flight
  stall_writes,    // our writes stop completing (the peer does not read)
  release_writes,  // ... and complete again: what was queued is written
};
inline constexpr int action_count = 18;
// Successors of one state, at most: every action has one way but
// read_frame_and_advance, which has two (the checker numbers them).
inline constexpr int max_successors = action_count + 1;
std::string_view action_name(action a) noexcept;
// Actions that are two schedule steps in one turn (to_scenario joins them).
constexpr bool joined(action a) noexcept {
  return a == action::read_frame_and_advance || a == action::read_all_and_eof || a == action::send_fragmented ||
         a == action::send_and_close;
}

// Deliberate mistakes, each a known way to break the contract (the
// regression catalog's classes). The correct model has none.
enum class flaw : std::uint8_t {
  none,
  closed_before_drain,   // recv asks "ended?" before "anything queued?"
  end_clears_queue,      // a lost connection empties the queue
  zero_timeout_first,    // a zero timeout is checked before the queue
  no_timeout_if_paused,  // close() waits without a timeout while paused
  cancel_loses_message,  // a cancelled streaming call drops its fragments
  close_overtakes_send,  // S: a send() in the turn of close() joins the write order after the close frame
  close_ignores_writes,  // S: close() returns once reading ended, with sent messages still unwritten
  closed_waits_for_echo, // L (stalled writes): ConnectionClosed waits until our close echo was written
};
std::string_view flaw_name(flaw f) noexcept;

struct scope {
  int max_messages = 2;   // scripts with 0..max_messages data messages
  int max_fragments = 2;  // each with 1..max_fragments fragments
  int max_sends = 2;      // messages the consumer may send while the connection is open
  bool pings = false;     // also every script with a ping before its data
  std::vector<script_end> ends{script_end::close, script_end::bad_frame, script_end::none};
  std::vector<action> actions{action::read_frame, action::read_all,     action::eof,
                              action::reset,      action::recv,         action::recv_zero,
                              action::recv_timeout, action::streaming,  action::cancel,
                              action::close,      action::advance,      action::read_frame_and_advance,
                              action::read_all_and_eof, action::send,   action::send_fragmented,
                              action::send_and_close, action::stall_writes, action::release_writes};
  std::size_t high = 1, low = 0;  // flow control marks, in frames
  int depth = 6;                  // actions per path
};

std::vector<script> scripts_in(const scope& s);
// How many scripts the scope has (saturating), without listing them.
std::uint64_t script_count(const scope& s) noexcept;

// The bit width of each packed field of `state`, in pack() order.
struct field_width {
  const char* name;
  int bits;
};
inline constexpr field_width packed_fields[] = {
    {"script", 14}, {"offered", 5}, {"read", 5},   {"consumed", 5}, {"delivered", 4},
    {"taken", 4},   {"yielded", 4}, {"end", 3},    {"call", 2},     {"sent", 2},
    {"written", 2}, {"close_at", 2}, {"writes", 2},
};

// A field whose largest value in the scope does not fit its width.
struct misfit {
  std::string field;
  std::uint64_t needed;  // the largest value the scope can give it
  std::uint64_t limit;   // the largest value its width holds
  std::string describe() const;
};
// Every field that does not fit, and other impossible scopes (no fragments,
// negative counts) as misfits with limit 0; empty when the scope is sound.
std::vector<misfit> misfits(const scope& s);

// "M,F,S": the scope's messages, fragments and sends, as --model-scope reads it.
std::string scope_text(const scope& s);

// Thrown by machine's constructor for a scope that misfits() refuses.
struct scope_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// How the input ended, as the reader saw it.
enum class end_reason : std::uint8_t {
  none,           // still open
  close_frame,    // the peer's close frame was read
  failed,         // a bad frame failed the connection
  eof,            // the transport ended (EOF) after everything was read
  reset,          // the transport was reset
  close_timeout,  // our close timer gave up on the peer
};
// The consumer call that is waiting.
enum class pending_call : std::uint8_t { none, recv, recv_timeout, streaming };
// Our side of the transport, for writing.
enum class write_side : std::uint8_t {
  flowing,       // writes complete in the turn they start
  stalled,       // writes wait (stall-writes) until released
  stalled_pong,  // ... and a pong is among the bytes waiting
  dropped,       // our close timer dropped the transport with bytes unwritten: they failed
};

// The abstract state. Every field has a fixed bit width in pack(); a scope
// whose values would not fit is refused when the machine is built (misfits()),
// never masked.
struct state {
  std::uint16_t script = 0;    // index into machine::scripts()
  std::uint8_t offered = 0;    // peer frames offered to the transport
  std::uint8_t read = 0;       // peer frames the reader has read
  std::uint8_t consumed = 0;   // data frames handed to the consumer
  std::uint8_t delivered = 0;  // whole messages returned (recv or a finished stream)
  std::uint8_t taken = 0;      // fragments taken by the pending streaming call
  std::uint8_t yielded = 0;    // fragments a stream returned before it raised (P)
  end_reason end = end_reason::none;
  pending_call call = pending_call::none;
  // S: messages whose send() was called while the connection was open (a
  // send() after close() or after the end of input fails and is not
  // counted), and how many of them were written.
  std::uint8_t sent = 0;
  std::uint8_t written = 0;
  // Where our close frame is in the write order: the messages ahead of it
  // (it follows `sent` until the close frame is queued).
  std::uint8_t close_at = 0;
  write_side writes = write_side::flowing;
  bool eof = false, reset = false;
  bool reader_done = false;
  bool closing = false;        // the application sent its close frame
  bool close_pending = false;  // close() has not returned
  bool timer = false;          // the close timer is armed
  bool paused = false;
  bool raised = false;         // a call returned ConnectionClosed
  bool close_written = false;  // our close frame (or the echo of the peer's) was written
  // A close() returned while messages sent before it were unwritten and
  // the transport was up (S; never set by the correct model, so it adds no
  // states: close() returning is otherwise an outcome, not state).
  bool close_early = false;

  std::uint64_t pack() const noexcept;
  static state unpack(std::uint64_t v) noexcept;
  friend bool operator==(const state&, const state&) = default;
};

// What a consumer call returned in a step.
struct outcome {
  enum class kind : std::uint8_t {
    message,         // recv returned message `index`
    fragment,        // a stream yielded fragment `fragment` of message `index`
    stream_end,      // a stream returned after the final fragment
    closed,          // a recv or stream raised ConnectionClosed
    timeout, cancelled, busy,
    close_returned,  // close() returned
    sent,            // a send() returned: its message was written
    send_failed,     // a send() failed (after close or the end of input, or the transport was dropped)
  };
  kind k;
  std::uint8_t index = 0;
  std::uint8_t fragment = 0;
};

struct violation {
  char invariant;
  std::string what;
};

// What a step's calls returned: a few at most, kept inline (the refinement
// checker asks for them on every step of every run).
using outcome_list = boost::container::small_vector<outcome, 4>;

// One way an action can go. Most actions have one; events that happen in
// the same turn (read_frame_and_advance) may happen in either order.
struct successor {
  state next;
  outcome_list outcomes;
  std::optional<violation> transition_violation;  // T and X: properties of the step
};
using successor_list = boost::container::small_vector<successor, 2>;

class machine {
 public:
  // Throws scope_error when the scope does not fit the packed state.
  machine(scope sc, flaw f = flaw::none);

  const scope& bounds() const noexcept { return scope_; }
  const std::vector<script>& scripts() const noexcept { return scripts_; }
  std::vector<state> initial_states() const;

  // Every way `a` can go from `s`, each settled; empty when `a` is not
  // enabled (e.g. read with nothing left to offer).
  successor_list steps(const state& s, action a) const;
  // Like steps(), but where `a` is not enabled and would change nothing
  // when performed anyway (a read with nothing left, EOF after the end,
  // cancel with no call, time passing with no timer), the state stays, with
  // no outcome. Explorers of sets of states need this: one member may
  // expire a timer where another has none. close() is never a no-op.
  // `enabled`, when given, says whether steps() had any successor.
  successor_list steps_or_stay(const state& s, action a, bool* enabled = nullptr) const;

  // The checker's fast path: the successors of `a` from `s` without their
  // outcomes, as steps() gives them (the same order): up to two into
  // `next`, their transition violations into `tv`; returns how many.
  int successors(const state& s, action a, state next[2], std::optional<violation> tv[2]) const;

  // Every state invariant (D, P, F, L, K, S, W) that `s` breaks.
  std::optional<violation> invariants(const state& s) const;

  // The path as a scenario that `lastword replay` accepts.
  scenario::scenario to_scenario(const state& initial, const std::vector<action>& path) const;

 private:
  // Frame i of the script: data (message, fin) or the end frame.
  struct frame_info {
    bool data;  // false: a ping, or the end frame (end == true)
    std::uint8_t message;
    bool fin;
    std::uint8_t fragment;
    bool end = false;
  };
  // Where outcomes go: nowhere on the checker's fast path.
  struct sink {
    outcome_list* v = nullptr;
    void push(outcome o) const {
      if (v) v->push_back(o);
    }
  };
  // A script's frames, precomputed (the step function asks for them often).
  struct script_table {
    std::uint8_t frames = 0;
    std::vector<frame_info> frame, data;
    std::vector<std::uint8_t> dfr, cmr;  // data frames / complete messages among the first r frames
    std::vector<std::uint8_t> cm;        // complete messages among the first x data frames
    std::vector<std::uint8_t> dfm;       // frames of the first m messages
  };
  const script_table& table(const state& s) const { return tables_[s.script]; }
  frame_info frame_slow(const script& sc, std::uint8_t i) const;
  frame_info data_frame_slow(const script& sc, std::uint8_t k) const;
  frame_info frame(const state& s, std::uint8_t i) const;
  frame_info data_frame(const state& s, std::uint8_t k) const;  // the k-th data frame
  std::uint8_t frame_count(const state& s) const;
  std::uint8_t data_frames_read(const state& s) const;      // before the end of input
  std::uint8_t complete_messages_read(const state& s) const;
  std::uint8_t complete_queued(const state& s) const;
  std::uint8_t frames_of_message(const state& s, std::uint8_t m) const;
  int steps_impl(const state& s, action a, state next[2], std::optional<violation> tv[2],
                 outcome_list* outcomes) const;
  void settle(state& s, const sink& out) const;
  void fire(state& s, const sink& out, bool recv_timer, bool close_timer) const;
  bool apply(state& s, action a, const sink& out, std::optional<violation>& tv) const;
  void read_available(state& s) const;
  bool consumer_progress(state& s, const sink& out) const;
  void write_out(state& s, const sink& out) const;
  bool send_call(state& s, const sink& out, int frames) const;
  static bool open(const state& s);
  static bool close_queued(const state& s);
  static bool writes_pending(const state& s);
  static std::uint8_t writable(const state& s);
  static bool timer_running(const state& s);

  scope scope_;
  flaw flaw_;
  std::vector<script> scripts_;
  std::vector<script_table> tables_;
};

}  // namespace lastword::model
