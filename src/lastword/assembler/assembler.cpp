#include "lastword/assembler/assembler.hpp"

#include <utility>

#include "lastword/wire/assert.hpp"

namespace lastword::assembler {

message_assembler::message_assembler(options opts) : opts_(opts) {
  LASTWORD_ASSERT(opts_.low <= opts_.high);
}

void message_assembler::put(wire::frame f) {
  LASTWORD_ASSERT(!ended_);
  LASTWORD_ASSERT(!wire::is_control(f.op));
  const bool continuation = f.op == wire::opcode::continuation;
  LASTWORD_ASSERT(continuation == in_message_);
  if (!continuation) message_text_ = f.op == wire::opcode::text;
  in_message_ = !f.fin;
  if (f.fin) ++complete_;
  queue_.push_back(std::move(f));
  update_pause();
}

void message_assembler::end() noexcept {
  // Ending never clears the queue: received messages are still delivered.
  ended_ = true;
}

bool message_assembler::acquire() noexcept {
  if (acquired_) return false;
  acquired_ = true;
  return true;
}

void message_assembler::release() noexcept {
  LASTWORD_ASSERT(acquired_);
  put_back();
  acquired_ = false;
}

get_status message_assembler::get(message& out) {
  LASTWORD_ASSERT(acquired_);
  LASTWORD_ASSERT(taken_.empty());
  // The queue is looked at first: what was received is delivered before the
  // end is reported, however the input ended.
  if (complete_ > 0) {
    out.text = queue_.front().op == wire::opcode::text;
    out.data.clear();
    for (;;) {
      wire::frame f = std::move(queue_.front());
      queue_.pop_front();
      out.data += f.payload;
      if (f.fin) break;
    }
    --complete_;
    update_pause();
    return get_status::ready;
  }
  // P: a partial message at the end of input is never returned whole.
  return ended_ ? get_status::end_of_stream : get_status::would_block;
}

get_status message_assembler::get_fragment(fragment& out) {
  LASTWORD_ASSERT(acquired_);
  if (!queue_.empty()) {
    wire::frame& f = queue_.front();
    if (taken_.empty()) stream_text_ = f.op == wire::opcode::text;
    out.text = stream_text_;
    out.fin = f.fin;
    out.data = f.payload;
    if (f.fin) {
      --complete_;
      taken_.clear();
    } else {
      taken_.push_back(std::move(f));
    }
    queue_.pop_front();
    update_pause();
    return get_status::ready;
  }
  if (!ended_) return get_status::would_block;
  // P: the fragments yielded were the message's last; they are delivered,
  // not given back.
  taken_.clear();
  return get_status::end_of_stream;
}

void message_assembler::put_back() noexcept {
  while (!taken_.empty()) {
    queue_.push_front(std::move(taken_.back()));
    taken_.pop_back();
  }
  update_pause();
}

void message_assembler::clear() noexcept {
  queue_.clear();
  taken_.clear();
  complete_ = 0;
  in_message_ = false;
  update_pause();
}

// F: pause above `high` while a complete message waits for the consumer;
// resume at `low`, or as soon as no complete message is queued. Frames of
// the one unfinished message never keep reading paused: the consumer
// waits for that message, and only reading can finish it (SPEC F allows
// one message above the mark).
void message_assembler::update_pause() noexcept {
  if (queue_.size() > opts_.high && complete_ > 0) paused_ = true;
  else if (queue_.size() <= opts_.low || complete_ == 0) paused_ = false;
}

}  // namespace lastword::assembler
