#include "lastword/history/judge.hpp"

#include <algorithm>
#include <map>

#include "lastword/history/rules/rules.hpp"
#include "lastword/wire/assert.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/error.hpp"
#include "lastword/wire/text.hpp"

namespace lastword::history {
namespace {

struct received_message {
  bool text = true;
  std::string data;
  std::size_t frames = 0;
  std::size_t step = 0;  // when its final frame was read
};

std::string quote(std::string_view s) { return wire::quoted(s); }

// Steps joined by ';' form one scheduler turn: the turn of step `step`.
std::size_t turn_in(const scenario::scenario& s, std::size_t step) {
  std::size_t turn = 0;
  for (std::size_t i = 0; i < step && i < s.schedule.size(); ++i)
    if (!s.schedule[i].same_turn_as_next) ++turn;
  return turn;
}


// Follows the received stream as the implementation read it.
class input_tracker {
 public:
  // peer: the scenario's peer stream (scenario::encode_peer), held by the caller.
  input_tracker(const scenario::scenario& s, std::string_view peer)
      : decoder_({s.role, s.opts.max_size, s.opts.max_size, s.opts.deflate}), peer_(peer) {
    // permessage-deflate: the messages are what the frames inflate to.
    if (const auto p = scenario::deflate_params(s.opts))
      inflater_.emplace(wire::receiving_inflater(*p, s.role, s.opts.max_size));
  }

  // Bytes [offset, offset+n) of the peer's stream were read at `step`.
  void read(std::size_t offset, std::size_t n, std::size_t step, bool we_sent_close) {
    if (ended_) return;
    std::string_view in = peer_.substr(std::min(offset, peer_.size()), n);
    wire::frame& f = frame_;  // a frame may span reads
    while (!ended_) {
      const auto st = decoder_.decode(in, f);
      if (st == wire::frame_decoder::status::need_more) break;
      if (st == wire::frame_decoder::status::failed) {
        end(step);
        failure_ = decoder_.error();
        break;
      }
      if (inflater_ && !wire::is_control(f.op))
        if (const auto e = inflater_->inflate(f); e != wire::error{}) {
          end(step);
          failure_ = e;
          break;
        }
      on_frame(f, step, we_sent_close);
    }
  }
  void transport_ended(std::size_t step) {
    if (!ended_) end(step);
  }

  bool ended() const { return ended_; }
  std::size_t end_step() const { return end_step_; }
  const std::vector<received_message>& messages() const { return messages_; }
  std::size_t data_frames() const { return data_frames_; }
  // Data frames that belong to complete messages (all but the unfinished one's).
  std::size_t complete_frames() const { return complete_frames_; }
  // The fragments of a message whose final frame never came.
  const std::string& partial() const { return partial_.data; }
  const std::optional<wire::close_payload>& peer_close() const { return peer_close_; }
  std::error_code failure() const { return failure_; }
  const std::vector<std::string>& pings_while_open() const { return pings_; }
  std::optional<std::size_t> peer_close_before_ours_step() const { return peer_close_first_; }
  std::size_t peer_close_step() const { return peer_close_step_; }

 private:
  void end(std::size_t step) {
    ended_ = true;
    end_step_ = step;
  }
  // The decoder starts the next frame afresh: its payload may be taken.
  void on_frame(wire::frame& f, std::size_t step, bool we_sent_close) {
    switch (f.op) {
      case wire::opcode::ping:
        if (!we_sent_close) pings_.push_back(f.payload);
        return;
      case wire::opcode::pong:
        return;
      case wire::opcode::close: {
        wire::close_payload p;
        (void)wire::parse_close_payload(f.payload, p);
        peer_close_ = p;
        peer_close_step_ = step;
        if (!we_sent_close) peer_close_first_ = step;
        end(step);
        return;
      }
      default:
        break;
    }
    ++data_frames_;
    if (f.op != wire::opcode::continuation) {
      partial_ = {};
      partial_.text = f.op == wire::opcode::text;
    }
    if (partial_.data.empty())
      partial_.data = std::move(f.payload);
    else
      partial_.data += f.payload;
    ++partial_.frames;
    if (f.fin) {
      partial_.step = step;
      messages_.push_back(std::move(partial_));
      partial_ = {};
      complete_frames_ = data_frames_;
    }
  }

  wire::frame_decoder decoder_;
  std::optional<wire::message_inflater> inflater_;
  wire::frame frame_;
  std::string_view peer_;
  bool ended_ = false;
  std::size_t end_step_ = 0;
  std::vector<received_message> messages_;
  received_message partial_;
  std::size_t data_frames_ = 0;
  std::size_t complete_frames_ = 0;
  std::optional<wire::close_payload> peer_close_;
  std::optional<std::size_t> peer_close_first_;
  std::size_t peer_close_step_ = 0;
  std::error_code failure_;
  std::vector<std::string> pings_;
};

struct call_state {
  call_kind what = call_kind::recv;
  std::optional<std::uint64_t> timeout;
  std::size_t step = 0;
  std::uint64_t time_ms = 0;
  bool pending = true;
  bool busy_expected = false;      // K: another consumer call was already waiting
  bool busy_allowed = false;       // K: another consumer call had started
  bool message_was_ready = false;  // T: a received message awaited delivery
  bool end_was_known = false;      // L: the input had ended, nothing was left
  std::string fragments;
  std::size_t fragment_frames = 0;
  bool text = true;
};

class judge_run {
 public:
  judge_run(const scenario::scenario& s, std::string_view peer, const history& h) : s_(s), h_(h), in_(s, peer) {
    // turns_[i]: turn_in(s, i), looked up on every event.
    turns_.reserve(s.schedule.size() + 1);
    turns_.push_back(0);
    for (const auto& p : s.schedule) turns_.push_back(turns_.back() + (p.same_turn_as_next ? 0 : 1));
    std::size_t reads = 0, results = 0;
    for (const auto& e : h.events) {
      reads += e.k == event::kind::read;
      results += e.k == event::kind::result;
      if (e.k == event::kind::wrote && e.frame.op == wire::opcode::close && !our_close_) {
        wire::close_payload p;
        (void)wire::parse_close_payload(e.frame.payload, p);
        our_close_ = p;
      }
    }
    read_marks_.reserve(reads);
    consumed_marks_.reserve(results);
  }

  std::vector<violation> run() {
    for (const auto& e : h_.events) on_event(e);
    finish();
    return std::move(found_);
  }

 private:
  void flag(char inv, std::size_t step, std::string what) {
    // One report per invariant: the first is the one to read.
    for (const auto& v : found_)
      if (v.invariant == inv) return;
    found_.push_back({inv, step, std::move(what)});
  }

  std::size_t queued() const { return in_.data_frames() - consumed_frames_; }

  // The time an advance joined with other steps jumps in the turn of `step`.
  std::uint64_t joined_advance(std::size_t step) const {
    if (step >= s_.schedule.size()) return 0;
    std::size_t first = step, last = step;
    while (first > 0 && s_.schedule[first - 1].same_turn_as_next) --first;
    while (last + 1 < s_.schedule.size() && s_.schedule[last].same_turn_as_next) ++last;
    if (first == last) return 0;
    std::uint64_t sum = 0;
    for (std::size_t i = first; i <= last; ++i)
      if (s_.schedule[i].k == scenario::step::kind::advance) sum += s_.schedule[i].n;
    return sum;
  }

  std::size_t turn_of(std::size_t step) const { return turns_[std::min(step, turns_.size() - 1)]; }

  void on_event(const event& e) {
    while (checked_steps_ < e.step && checked_steps_ < h_.steps.size()) check_step(checked_steps_++);
    switch (e.k) {
      case event::kind::read: {
        // F is judged at the end (check_reads): remember where this read
        // stood. After the end of input, reading goes on only to see the
        // transport close; flow control no longer applies.
        const bool marked = !in_.ended();
        in_.read(e.offset, e.bytes, e.step, wrote_close_);
        if (marked) read_marks_.push_back({turn_of(e.step), e.step, in_.data_frames(), in_.complete_frames()});
        break;
      }
      case event::kind::read_eof:
      case event::kind::read_reset:
        if (!peer_end_turn_) peer_end_turn_ = turn_of(e.step);
        in_.transport_ended(e.step);
        break;
      case event::kind::transport_closed:
        in_.transport_ended(e.step);
        break;
      case event::kind::call:
        on_call(e);
        break;
      case event::kind::result:
        on_result(e);
        break;
      case event::kind::wrote:
        on_wrote(e);
        break;
      case event::kind::wrote_invalid:
        flag('W', e.step, "wrote bytes that are not a valid frame for the peer");
        break;
      case event::kind::output_shutdown:
        output_shutdown_ = true;
        break;
    }
  }

  void on_call(const event& e) {
    if (e.what == call_kind::send) return;  // rules/send.cpp
    call_state c;
    c.what = e.what;
    c.timeout = e.timeout_ms;
    c.step = e.step;
    c.time_ms = e.time_ms;
    if (c.what != call_kind::close) {
      // K: a call that was already waiting makes a new one fail at once.
      // Calls started in the same scheduler turn may run in either order:
      // either may be the one that fails.
      for (const auto& [id, other] : calls_) {
        if (!other.pending || other.what == call_kind::close) continue;
        c.busy_allowed = true;
        if (turn_of(other.step) < turn_of(e.step)) c.busy_expected = true;
      }
      // T: with no other call that could take it first, a received
      // message must be returned by a zero-timeout recv.
      if (c.timeout && *c.timeout == 0 && !c.busy_allowed && delivered_ < in_.messages().size())
        c.message_was_ready = true;
      // L: once the input ended (in an earlier turn) and every message was
      // returned, a new call raises ConnectionClosed at once.
      if (!c.busy_allowed && in_.ended() && turn_of(in_.end_step()) < turn_of(e.step) &&
          delivered_ == in_.messages().size())
        c.end_was_known = true;
    }
    calls_[e.call] = c;
  }

  void on_result(const event& e) {
    struct mark_consumed {
      judge_run* j;
      std::size_t turn;
      ~mark_consumed() { j->consumed_marks_.push_back({turn, j->consumed_frames_}); }
    } mark{this, turn_of(e.step)};
    auto it = calls_.find(e.call);
    if (it == calls_.end()) return;
    call_state& c = it->second;
    const call_result& r = e.result;
    const std::string who = std::string(c.what == call_kind::close ? "close" : c.what == call_kind::recv ? "recv" : "recv-streaming") +
                            " #" + std::to_string(e.call);
    if (e.final) c.pending = false;
    // L, promptly: once the input has ended, a recv() completes in the turn
    // it was waiting in (or was called in), in virtual time: not later, when
    // say the close timeout drops the transport. A client may wait for the
    // server's TCP close after the closing handshake (RFC 6455 section
    // 7.1.1): the turn the peer's EOF or reset was read counts as prompt too.
    const std::size_t due_turn = std::max(turn_of(in_.end_step()), turn_of(c.step));
    const bool at_peer_end = peer_end_turn_ && turn_of(e.step) <= std::max(*peer_end_turn_, turn_of(c.step));
    if (e.final && c.what != call_kind::close && in_.ended() && turn_of(e.step) > due_turn && !at_peer_end)
      flag('L', e.step, who + " completed only at step " + std::to_string(e.step + 1) + "; the input had ended at step " +
                            std::to_string(in_.end_step() + 1) + ", and it should have completed in that turn");
    if (c.busy_expected && r.k != call_result::kind::busy)
      flag('K', e.step, who + " ran while another consumer call was pending; it should have failed at once with a concurrency error");
    if (c.what == call_kind::close && e.final) {
      // L: close() returns within the close timeout (half again as slack
      // for the simulation's time steps).
      // Time that jumps inside a turn (an advance joined by ';') may pass
      // before the call starts or before its timer fires.
      const std::uint64_t jumps = joined_advance(c.step) + joined_advance(e.step);
      const std::uint64_t took = e.time_ms - c.time_ms;
      if (took > s_.opts.close_timeout_ms + s_.opts.close_timeout_ms / 2 + jumps)
        flag('L', e.step, who + " returned after " + std::to_string(took) + " ms; the close timeout is " +
                              std::to_string(s_.opts.close_timeout_ms) + " ms");
    }
    if (r.k == call_result::kind::busy) {
      if (!c.busy_allowed) flag('K', e.step, who + " failed with a concurrency error although no other consumer call was pending");
      return;
    }
    // close() with a code or reason that may not be sent is refused at
    // once and changes nothing (then it is as if it was never called);
    // any other close() is not refused. Once our close frame was sent or
    // the input ended (by the end of the call's turn), there is nothing
    // left to send, and close() may also just wait for the end.
    if (c.what == call_kind::close) {
      const scenario::step& p = s_.schedule[c.step];
      const bool sendable = wire::may_send_close(p.code, p.reason);
      if (r.k == call_result::kind::refused) {
        if (sendable) flag('L', e.step, who + " was refused although code " + std::to_string(p.code) + " may be sent");
        calls_.erase(it);
        return;
      }
      const std::size_t turn = turn_of(c.step);
      const bool nothing_to_send = (wrote_close_ && turn_of(wrote_close_step_) <= turn) ||
                                   (in_.ended() && turn_of(in_.end_step()) <= turn);
      if (!sendable && !nothing_to_send)
        flag('C', e.step, who + " with code " + std::to_string(p.code) +
                              ", which may not be sent, should have been refused at once");
    } else if (r.k == call_result::kind::refused) {
      flag('K', e.step, who + " was refused; only close() refuses a code");
      return;
    }
    // D: after ConnectionClosed no message is left to return.
    if (raised_ && c.what == call_kind::recv && r.k == call_result::kind::message)
      flag('D', e.step, who + " returned a message after a call had raised ConnectionClosed");
    if (r.k == call_result::kind::closed && c.what != call_kind::close) raised_ = true;
    switch (r.k) {
      case call_result::kind::message:
        if (c.what == call_kind::recv_streaming) {
          check_delivery(e.step, who, c.text, c.fragments, c.fragment_frames);
        } else {
          check_delivery(e.step, who, r.text, r.data, 0);
        }
        break;
      case call_result::kind::fragment:
        if (c.fragments.empty() && c.fragment_frames == 0) c.text = r.text;
        c.fragments += r.data;
        ++c.fragment_frames;
        consumed_frames_ += 1;
        break;
      case call_result::kind::cancelled:
        interrupted_ = true;
        if (c.what == call_kind::recv_streaming) {
          // X: the fragments it took go back to the queue.
          consumed_frames_ -= c.fragment_frames;
          c.fragments.clear();
          c.fragment_frames = 0;
        }
        break;
      case call_result::kind::timeout:
        interrupted_ = true;
        if (c.end_was_known)
          flag('L', e.step, who + " reported a timeout although the input had ended and every message was returned; "
                                  "it should have raised ConnectionClosed at once");
        if (c.message_was_ready)
          flag('T', e.step, who + " with timeout 0 reported a timeout although message #" + std::to_string(delivered_ + 1) +
                                " was complete in the queue");
        if (c.what == call_kind::recv_streaming) {
          consumed_frames_ -= c.fragment_frames;
          c.fragment_frames = 0;
        }
        break;
      case call_result::kind::closed:
        on_closed(e, c, who, r);
        break;
      default:
        break;
    }
  }

  void check_delivery(std::size_t step, const std::string& who, bool text, const std::string& data,
                      std::size_t streamed_frames) {
    const auto& msgs = in_.messages();
    if (delivered_ >= msgs.size()) {
      flag('D', step, who + " returned " + std::string(text ? "text " : "binary ") + quote(data) +
                          ", which is not a message received before the end of input");
      return;
    }
    if (msgs[delivered_].text != text || msgs[delivered_].data != data) {
      const received_message& m = msgs[delivered_];
      // Is it a later message? Then some were lost or reordered.
      std::string where;
      std::size_t later = delivered_;
      for (std::size_t k = delivered_ + 1; k < msgs.size(); ++k)
        if (msgs[k].data == data && msgs[k].text == text) {
          where = " (message #" + std::to_string(k + 1) + "; #" + std::to_string(delivered_ + 1) + " was lost)";
          later = k;
          break;
        }
      flag(loss_invariant(), step, who + " returned " + quote(data) + where + ", expected message #" +
                                       std::to_string(delivered_ + 1) + " " + quote(m.data) + interrupted_note());
      // Go on from the message it did return, so later calls are judged
      // on their own.
      for (; delivered_ < later; ++delivered_) consumed_frames_ += msgs[delivered_].frames;
    }
    const received_message& m = msgs[delivered_];
    consumed_frames_ += m.frames - streamed_frames;
    ++delivered_;
    interrupted_ = false;
  }

  void on_closed(const event& e, call_state& c, const std::string& who, const call_result& r) {
    if (!in_.ended()) {
      if (c.what == call_kind::close) return;  // checked by C below when the input ends
      flag('D', e.step, who + " raised ConnectionClosed before the input ended");
      // C: its status is held to how the connection did end (at finish).
      early_closed_.push_back({e.step, who, r});
      return;
    }
    if (c.what != call_kind::close) {
      const std::size_t left = in_.messages().size() - delivered_;
      if (left > 0)
        flag(loss_invariant(), e.step,
             who + " raised ConnectionClosed (" + std::to_string(r.code) + ") with " + std::to_string(left) +
                 " received message(s) not returned; the next was " + quote(in_.messages()[delivered_].data) +
                 interrupted_note());
      if (c.what == call_kind::recv_streaming) {
        // P: the fragments of the unfinished message, each yielded once.
        partial_yielded_ += c.fragments;
        if (in_.partial().rfind(partial_yielded_, 0) != 0)
          flag('P', e.step, who + " yielded " + quote(c.fragments) + "; the fragments yielded before ConnectionClosed, " +
                                quote(partial_yielded_) + ", are not the start of the unfinished message " +
                                quote(in_.partial()) + " (a fragment was yielded twice or invented)");
      }
    }
    check_status(e.step, who, r);
  }

  void check_status(std::size_t step, const std::string& who, const call_result& r) {
    std::uint16_t code = wire::close_code::abnormal_closure;
    bool handshake = false, normal = false;
    if (in_.peer_close()) {
      code = in_.peer_close()->code;
      handshake = our_close_.has_value();
      normal = handshake && wire::is_normal_close_code(code) && wire::is_normal_close_code(our_close_->code);
    } else if (in_.failure()) {
      code = wire::close_code_for(in_.failure());
    }
    // Rendered only for a report: this runs on every closed result.
    const auto status = [](std::uint16_t c, bool hs, bool n) {
      return std::to_string(c) + (hs ? " handshake completed" : " handshake not completed") + (n ? ", normal" : ", error");
    };
    // With writes stalled, our close frame may be queued but not written:
    // the handshake may be reported either way.
    const bool unsure = in_.peer_close() && !our_close_ && stalled_ever();
    if (r.code != code || (!unsure && (r.handshake_completed != handshake || r.normal != normal)))
      flag('C', step, who + " reported " + status(r.code, r.handshake_completed, r.normal) + "; expected " +
                          status(code, handshake, normal));
    else if (in_.peer_close() && r.reason != in_.peer_close()->reason)
      flag('C', step, who + " reported reason " + quote(r.reason) + ", the peer sent " + quote(in_.peer_close()->reason));
  }

  void on_wrote(const event& e) {
    if (wrote_close_) {
      flag('W', e.step, "wrote a " + std::string(wire::opcode_name(e.frame.op)) + " frame after its close frame");
      return;
    }
    if (e.frame.op == wire::opcode::pong) pongs_.push_back(e.frame.payload);
    if (e.frame.op == wire::opcode::close) {
      wrote_close_ = true;
      wrote_close_step_ = e.step;
      if (in_.peer_close_before_ours_step()) {
        // Section 5.5.1: echo the close frame, with the code received,
        // unless the application's own close() came first in that turn.
        wire::close_payload ours;
        (void)wire::parse_close_payload(e.frame.payload, ours);
        bool allowed = ours.code == in_.peer_close()->code;
        for (const auto& [id, c] : calls_)
          if (c.what == call_kind::close && turn_of(c.step) <= turn_of(in_.peer_close_step()) &&
              s_.schedule[c.step].code == ours.code)
            allowed = true;
        if (!allowed)
          flag('W', e.step, "answered the peer's close " + std::to_string(in_.peer_close()->code) +
                                " with a close frame carrying another code (" + std::to_string(ours.code) + ")");
      } else if (in_.failure() && !closed_by_consumer(e.step)) {
        wire::close_payload p;
        (void)wire::parse_close_payload(e.frame.payload, p);
        if (p.code != wire::close_code_for(in_.failure()))
          flag('C', e.step, "failed the connection with close code " + std::to_string(p.code) + ", expected " +
                                std::to_string(wire::close_code_for(in_.failure())) + " (" + in_.failure().message() + ")");
      }
    }
  }

  // A message lost right after a cancelled or timed-out call breaks X.
  char loss_invariant() const { return interrupted_ ? 'X' : 'D'; }
  std::string interrupted_note() const {
    return interrupted_ ? " (lost after a cancelled or timed-out recv)" : "";
  }

  bool closed_by_consumer(std::size_t step) const {
    for (const auto& [id, c] : calls_)
      if (c.what == call_kind::close && c.step <= step) return true;
    return false;
  }

  void finish() {
    const std::size_t end = s_.schedule.size();
    // L: nothing waits forever.
    for (const auto& [id, c] : calls_) {
      if (!c.pending) continue;
      const std::string who = "#" + std::to_string(id);
      if (c.what == call_kind::close) {
        flag('L', end, "close " + who + " never returned, although the close timeout (" +
                           std::to_string(s_.opts.close_timeout_ms) + " ms) passed");
      } else if (c.what == call_kind::recv && delivered_ < in_.messages().size()) {
        flag('L', end, "recv " + who + " is still waiting although message #" + std::to_string(delivered_ + 1) + " " +
                           quote(in_.messages()[delivered_].data) + " was received");
      } else if (in_.ended()) {
        flag('L', end, std::string(c.what == call_kind::recv ? "recv " : "recv-streaming ") + who +
                           " is still waiting although the input ended; it should have raised ConnectionClosed");
      }
    }
    // W: pongs answer pings received while open, in order. When close()
    // raced with pings, or writes stayed stalled, fewer may be written.
    const auto& pings = in_.pings_while_open();
    bool close_called = false;
    for (const auto& [id, c] : calls_)
      if (c.what == call_kind::close) close_called = true;
    const bool all_due = !close_called && !stalled_at_end() && !transport_closed_early();
    if (pongs_.size() > pings.size() || (all_due && pongs_.size() < pings.size())) {
      flag('W', end, "answered " + std::to_string(pongs_.size()) + " of " + std::to_string(pings.size()) + " pings");
    } else {
      for (std::size_t i = 0; i < pongs_.size(); ++i)
        if (pongs_[i] != pings[i]) {
          flag('W', end, "pong #" + std::to_string(i + 1) + " carried " + quote(pongs_[i]) + ", the ping " + quote(pings[i]));
          break;
        }
    }
    if (in_.peer_close_before_ours_step() && !wrote_close_ && !transport_closed_early() && !stalled_at_end())
      flag('W', end, "never answered the peer's close frame");
    if (s_.role == wire::role::server && in_.peer_close() && wrote_close_ && !output_shutdown_ &&
        !transport_closed_early() && !stalled_at_end())
      flag('W', end, "as a server, did not close TCP after the closing handshake (RFC 6455 section 7.1.1)");
    while (checked_steps_ < h_.steps.size()) check_step(checked_steps_++);
    check_reads();
    // C on every ConnectionClosed, also those raised before the input ended:
    // the status must be how the connection ended (1006 if it never did).
    for (const auto& x : early_closed_) check_status(x.step, x.who, x.r);
    rules::context cx(s_, h_);
    cx.input_ended = in_.ended();
    cx.input_end_step = in_.end_step();
    cx.stalled_at_end = stalled_at_end();
    rules::check_send(cx, [this](invariant i, std::size_t step, std::string what) { flag(letter(i), step, std::move(what)); });
  }

  // F, reading side: after a read that left more than `high` frames
  // queued with a complete message among them, the next read must wait
  // until at most `low` are, or until no complete message is (frames of the
  // one unfinished message never hold reading back). Results are
  // seen after the fact, and calls in the same turn may have run before a
  // read, so the queue is bounded from below with every delivery of the
  // read's turn counted as done.
  struct read_mark {
    std::size_t turn, step;
    std::size_t received;  // data frames received once the read was processed
    std::size_t complete;  // of which in complete messages
  };
  struct consumed_mark {
    std::size_t turn;
    std::size_t consumed;
  };

  std::size_t consumed_by_end_of(std::size_t turn) const {
    std::size_t most = 0;
    for (const auto& c : consumed_marks_)
      if (c.turn <= turn) most = std::max(most, c.consumed);
    return most;
  }

  void check_reads() {
    for (std::size_t k = 0; k + 1 < read_marks_.size(); ++k) {
      const read_mark& r = read_marks_[k];
      const read_mark& next = read_marks_[k + 1];
      const std::size_t consumed_then = consumed_by_end_of(r.turn);
      const std::size_t after = r.received - std::min(r.received, consumed_then);
      if (after <= s_.opts.high || r.complete <= consumed_then) continue;
      const std::size_t consumed_next = consumed_by_end_of(next.turn);
      const std::size_t before_next = r.received - std::min(r.received, consumed_next);
      if (before_next > s_.opts.low && r.complete > consumed_next)
        flag('F', next.step, "read again with " + std::to_string(before_next) +
                                 " frames queued; reading should stay paused above " + std::to_string(s_.opts.high) +
                                 " until at most " + std::to_string(s_.opts.low) + " are left");
    }
  }

  // F: once at most `low` frames are queued, or none of them completes a
  // message, offered bytes must be read.
  void check_step(std::size_t i) {
    const step_end& st = h_.steps[i];
    const bool complete_queued = in_.complete_frames() > consumed_frames_;
    if (st.settled && st.unread > 0 && !st.read_pending && !st.transport_ended && !in_.ended() &&
        (queued() <= s_.opts.low || !complete_queued))
      flag('F', i, std::to_string(st.unread) + " bytes were offered but reading did not resume with " +
                       std::to_string(queued()) + " frames queued (low " + std::to_string(s_.opts.low) + ")" +
                       (complete_queued ? "" : ", none of them completing a message"));
  }

  bool stalled_ever() const {
    for (const auto& p : s_.schedule)
      if (p.k == scenario::step::kind::stall_writes) return true;
    return false;
  }

  // Writes were stalled by the schedule and never released.
  bool stalled_at_end() const {
    bool stalled = false;
    for (const auto& p : s_.schedule) {
      if (p.k == scenario::step::kind::stall_writes) stalled = true;
      if (p.k == scenario::step::kind::release_writes) stalled = false;
    }
    return stalled;
  }

  bool transport_closed_early() const {
    for (const auto& e : h_.events)
      if (e.k == event::kind::transport_closed || e.k == event::kind::read_reset) return true;
    return false;
  }

  const scenario::scenario& s_;
  const history& h_;
  input_tracker in_;
  std::vector<std::size_t> turns_;
  std::optional<wire::close_payload> our_close_;
  std::map<std::size_t, call_state> calls_;
  std::vector<violation> found_;
  std::vector<std::string> pongs_;
  std::size_t delivered_ = 0;
  std::size_t consumed_frames_ = 0;
  std::size_t checked_steps_ = 0;
  std::vector<read_mark> read_marks_;
  std::vector<consumed_mark> consumed_marks_;
  bool wrote_close_ = false;
  std::size_t wrote_close_step_ = 0;
  bool output_shutdown_ = false;
  bool interrupted_ = false;
  bool raised_ = false;
  std::string partial_yielded_;
  struct early_closed {
    std::size_t step;
    std::string who;
    call_result r;
  };
  std::vector<early_closed> early_closed_;
  std::optional<std::size_t> peer_end_turn_;  // the turn the peer's EOF or reset was read
};

// Other readings of the history where it leaves the order open: the stream
// records a read when it completes, the implementation handles it later,
// and a close timeout that fired in between may have ended the input first.
// So the implementation's drop of the transport may have come before any
// of the reads recorded earlier in its turn.
std::vector<history> drop_orders(const scenario::scenario& s, const history& h) {
  auto turn_of = [&](std::size_t step) { return turn_in(s, step); };
  std::vector<history> out;
  for (std::size_t t = 0; t < h.events.size(); ++t) {
    if (h.events[t].k != event::kind::transport_closed) continue;
    for (std::size_t i = t; i > 0 && turn_of(h.events[i - 1].step) == turn_of(h.events[t].step); --i) {
      if (h.events[i - 1].k != event::kind::read) continue;
      history alt = h;
      std::rotate(alt.events.begin() + static_cast<std::ptrdiff_t>(i - 1),
                  alt.events.begin() + static_cast<std::ptrdiff_t>(t),
                  alt.events.begin() + static_cast<std::ptrdiff_t>(t + 1));
      out.push_back(std::move(alt));
    }
    break;
  }
  return out;
}

}  // namespace

bool valid_waiver(std::string_view invariants) {
  return invariants.find_first_not_of(letters()) == std::string_view::npos;
}

std::vector<violation> judge(const scenario::scenario& s, const history& h, const judge_options& o) {
  return judge(s, scenario::encode_peer(s), h, o);
}

std::vector<violation> judge(const scenario::scenario& s, const scenario::peer_bytes& peer, const history& h,
                             const judge_options& o) {
  // A run that was not applicable is neither judged nor passed.
  LASTWORD_ASSERT(h.not_applicable.empty());
  const auto run = [&](const history& x) {
    auto v = judge_run(s, peer.bytes, x).run();
    std::erase_if(v, [&](const violation& e) { return o.waived.find(e.invariant) != std::string::npos; });
    return v;
  };
  auto found = run(h);
  // One consistent reading that satisfies every invariant is enough.
  if (!found.empty())
    for (const auto& alt : drop_orders(s, h))
      if (run(alt).empty()) return {};
  return found;
}

std::string describe(const scenario::scenario& s, const violation& v) {
  std::string where = v.step < s.schedule.size() ? "step " + std::to_string(v.step + 1) : "the end";
  return std::string(1, v.invariant) + " violated at " + where + ": " + v.what;
}

}  // namespace lastword::history
