// lastword/assembler/assembler.hpp: received data frames -> messages.
//
// The reader puts data frames in as they are parsed and ends the input once;
// one consumer at a time takes whole messages (get) or fragments
// (get_fragment). Pure state machine: no I/O, clocks or threads; the Asio
// layer waits and wakes around it.
//
// The API is shaped so that the python-websockets 14.0 bug (asking "is it
// closed?" before "is anything queued?") cannot be written: there is no
// public "ended" query for consumers; get() answers end_of_stream only when
// nothing deliverable is left.
//
// Invariants (SPEC.md):
//  1. (D) get() returns the complete messages put, in order, each once,
//     then end_of_stream forever once the input has ended. end() never
//     drops anything queued.
//  2. (P) a message whose final frame was never put is never returned by
//     get(); get_fragment() returns the fragments that were put, then
//     end_of_stream.
//  3. (X) put_back() returns the fragments taken by an unfinished streaming
//     call to the front of the queue, so the next call sees them again.
//  4. (K) acquire() admits one consumer at a time.
//  5. (F) paused() is true once more than `high` frames are queued with a
//     complete message among them, and until at most `low` are or no
//     complete message is left; it is false once the input has ended.
//
// Thread rule: not thread-safe; the owner serializes calls (one strand).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "lastword/wire/frame.hpp"

namespace lastword::assembler {

struct message {
  bool text = true;
  std::string data;

  friend bool operator==(const message&, const message&) = default;
};

struct fragment {
  bool text = true;
  bool fin = true;  // the last fragment of its message
  std::string data;

  friend bool operator==(const fragment&, const fragment&) = default;
};

struct options {
  // Flow control water marks, in frames. REQUIRES: low <= high. high 0
  // pauses as soon as one frame is queued.
  std::size_t high = 16;
  std::size_t low = 4;
};

enum class get_status {
  ready,          // a message or fragment was returned
  would_block,    // nothing deliverable yet; the input has not ended
  end_of_stream,  // the input ended and everything deliverable was returned
};

class message_assembler {
 public:
  explicit message_assembler(options opts = {});

  // --- reader side ---------------------------------------------------------
  // REQUIRES: f is a text, binary or continuation frame in a valid sequence
  // (the protocol layer enforces RFC 6455 section 5.4); the input has not ended.
  void put(wire::frame f);
  // The input ended (close frame, EOF, reset, failure, timeout). Idempotent.
  // Keeps everything queued and releases any pause.
  void end() noexcept;
  // True while the reader should not read (F).
  bool paused() const noexcept { return paused_ && !ended_; }

  // --- consumer side -------------------------------------------------------
  // K: false when another consumer already holds the assembler.
  bool acquire() noexcept;
  // REQUIRES: acquired. Puts back fragments of an unfinished streaming call.
  void release() noexcept;

  // REQUIRES: acquired, and no streaming call in progress.
  get_status get(message& out);
  // REQUIRES: acquired. Takes the next fragment of the current message.
  get_status get_fragment(fragment& out);
  // X: returns fragments taken since the current message started streaming.
  void put_back() noexcept;

  // Drops every queued frame. The reference never calls it; it exists for
  // regression variants that model libraries which did.
  void clear() noexcept;

  // --- observation (tests, histories) -------------------------------------
  std::size_t queued_frames() const noexcept { return queue_.size(); }
  std::size_t complete_messages() const noexcept { return complete_; }
  bool streaming() const noexcept { return !taken_.empty(); }

 private:
  void update_pause() noexcept;

  options opts_;
  std::deque<wire::frame> queue_;
  std::deque<wire::frame> taken_;  // fragments of the message being streamed
  std::size_t complete_ = 0;       // messages whose final frame is queued
  bool in_message_ = false;        // reader side: a fragmented message is open
  bool message_text_ = true;
  bool stream_text_ = true;
  bool ended_ = false;
  bool paused_ = false;
  bool acquired_ = false;
};

}  // namespace lastword::assembler
