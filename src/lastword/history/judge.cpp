#include "lastword/history/judge.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/error.hpp"

namespace lastword::history {
namespace {

struct received_message {
  bool text = true;
  std::string data;
  std::size_t frames = 0;
  std::size_t step = 0;  // when its final frame was read
};

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char d[] = "0123456789abcdef";
      out += "\\x";
      out += d[c >> 4];
      out += d[c & 15];
    }
  }
  out += s.size() > 40 ? "\"..." : "\"";
  return out;
}

bool ok_code(std::uint16_t c) { return c == 1000 || c == 1001 || c == 1005; }

// Follows the received stream as the implementation read it.
class input_tracker {
 public:
  input_tracker(const scenario::scenario& s)
      : decoder_({s.role, s.opts.max_size, s.opts.max_size}), peer_(scenario::encode_peer(s).bytes) {}

  // Bytes [offset, offset+n) of the peer's stream were read at `step`.
  void read(std::size_t offset, std::size_t n, std::size_t step, bool we_sent_close) {
    if (ended_) return;
    std::string_view in = std::string_view(peer_).substr(std::min(offset, peer_.size()), n);
    wire::frame& f = frame_;  // a frame may span reads
    while (!ended_) {
      const auto st = decoder_.decode(in, f);
      if (st == wire::frame_decoder::status::need_more) break;
      if (st == wire::frame_decoder::status::failed) {
        end(step);
        failure_ = decoder_.error();
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
  // The fragments of a message whose final frame never came.
  const std::string& partial() const { return partial_.data; }
  const std::optional<wire::close_payload>& peer_close() const { return peer_close_; }
  std::error_code failure() const { return failure_; }
  const std::vector<std::string>& pings_while_open() const { return pings_; }
  std::optional<std::size_t> peer_close_before_ours_step() const { return peer_close_first_; }

 private:
  void end(std::size_t step) {
    ended_ = true;
    end_step_ = step;
  }
  void on_frame(const wire::frame& f, std::size_t step, bool we_sent_close) {
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
    partial_.data += f.payload;
    ++partial_.frames;
    if (f.fin) {
      partial_.step = step;
      messages_.push_back(std::move(partial_));
      partial_ = {};
    }
  }

  wire::frame_decoder decoder_;
  wire::frame frame_;
  std::string peer_;
  bool ended_ = false;
  std::size_t end_step_ = 0;
  std::vector<received_message> messages_;
  received_message partial_;
  std::size_t data_frames_ = 0;
  std::optional<wire::close_payload> peer_close_;
  std::optional<std::size_t> peer_close_first_;
  std::error_code failure_;
  std::vector<std::string> pings_;
};

struct call_state {
  call_kind what = call_kind::recv;
  std::optional<std::uint64_t> timeout;
  std::size_t step = 0;
  std::uint64_t time_ms = 0;
  bool pending = true;
  bool busy_expected = false;      // K: another consumer call was pending
  bool message_was_ready = false;  // T: a received message awaited delivery
  std::string fragments;
  std::size_t fragment_frames = 0;
  bool text = true;
};

class judge_run {
 public:
  judge_run(const scenario::scenario& s, const history& h) : s_(s), h_(h), in_(s) {
    for (const auto& e : h.events) {
      if (e.k == event::kind::wrote && e.frame.op == wire::opcode::close && !our_close_) {
        wire::close_payload p;
        (void)wire::parse_close_payload(e.frame.payload, p);
        our_close_ = p;
      }
    }
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

  void on_event(const event& e) {
    while (checked_steps_ < e.step && checked_steps_ < h_.steps.size()) check_step(checked_steps_++);
    switch (e.k) {
      case event::kind::read: {
        // F: after a read left more than `high` frames queued, the next
        // read must wait until at most `low` are. Deliveries reported later
        // in the same step may have made room first, so the check waits
        // for the end of the step.
        check_pending_read();
        if (reads_ > 0 && queued_after_read_ > s_.opts.high)
          pending_read_ = pending_read{e.step, in_.data_frames(), min_since_read_};
        ++reads_;
        in_.read(e.offset, e.bytes, e.step, wrote_close_);
        queued_after_read_ = min_since_read_ = queued();
        break;
      }
      case event::kind::read_eof:
      case event::kind::read_reset:
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
    call_state c;
    c.what = e.what;
    c.timeout = e.timeout_ms;
    c.step = e.step;
    c.time_ms = e.time_ms;
    if (c.what != call_kind::close) {
      for (const auto& [id, other] : calls_)
        if (other.pending && other.what != call_kind::close) c.busy_expected = true;
      if (c.timeout && *c.timeout == 0 && delivered_ < in_.messages().size()) c.message_was_ready = true;
    }
    calls_[e.call] = c;
  }

  void on_result(const event& e) {
    auto it = calls_.find(e.call);
    if (it == calls_.end()) return;
    call_state& c = it->second;
    const call_result& r = e.result;
    const std::string who = std::string(c.what == call_kind::close ? "close" : c.what == call_kind::recv ? "recv" : "recv-streaming") +
                            " #" + std::to_string(e.call);
    if (e.final) c.pending = false;
    if (c.busy_expected && r.k != call_result::kind::busy)
      flag('K', e.step, who + " ran while another consumer call was pending; it should have failed at once with a concurrency error");
    if (c.what == call_kind::close && e.final) {
      // L: close() returns within the close timeout (half again as slack
      // for the simulation's time steps).
      const std::uint64_t took = e.time_ms - c.time_ms;
      if (took > s_.opts.close_timeout_ms + s_.opts.close_timeout_ms / 2)
        flag('L', e.step, who + " returned after " + std::to_string(took) + " ms; the close timeout is " +
                              std::to_string(s_.opts.close_timeout_ms) + " ms");
    }
    if (r.k == call_result::kind::busy) {
      if (!c.busy_expected) flag('K', e.step, who + " failed with a concurrency error although no other consumer call was pending");
      return;
    }
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
        min_since_read_ = std::min(min_since_read_, queued());
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
    min_since_read_ = std::min(min_since_read_, queued());
  }

  void on_closed(const event& e, call_state& c, const std::string& who, const call_result& r) {
    if (!in_.ended()) {
      if (c.what == call_kind::close) return;  // checked by C below when the input ends
      flag('D', e.step, who + " raised ConnectionClosed before the input ended");
      return;
    }
    if (c.what != call_kind::close) {
      const std::size_t left = in_.messages().size() - delivered_;
      if (left > 0)
        flag(loss_invariant(), e.step,
             who + " raised ConnectionClosed (" + std::to_string(r.code) + ") with " + std::to_string(left) +
                 " received message(s) not returned; the next was " + quote(in_.messages()[delivered_].data) +
                 interrupted_note());
      if (c.what == call_kind::recv_streaming && !c.fragments.empty() && in_.partial().rfind(c.fragments, 0) != 0)
        flag('P', e.step, who + " yielded fragments " + quote(c.fragments) + " that are not the start of the partial message " +
                              quote(in_.partial()));
    }
    check_status(e.step, who, r);
  }

  void check_status(std::size_t step, const std::string& who, const call_result& r) {
    std::uint16_t code = wire::close_code::abnormal_closure;
    bool handshake = false, normal = false;
    if (in_.peer_close()) {
      code = in_.peer_close()->code;
      handshake = our_close_.has_value();
      normal = handshake && ok_code(code) && ok_code(our_close_->code);
    } else if (in_.failure()) {
      code = wire::close_code_for(in_.failure());
    }
    std::ostringstream got, want;
    got << r.code << (r.handshake_completed ? " handshake completed" : " handshake not completed")
        << (r.normal ? ", normal" : ", error");
    want << code << (handshake ? " handshake completed" : " handshake not completed") << (normal ? ", normal" : ", error");
    if (r.code != code || r.handshake_completed != handshake || r.normal != normal)
      flag('C', step, who + " reported " + got.str() + "; expected " + want.str());
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
      if (in_.peer_close_before_ours_step()) {
        // Section 5.5.1: echo the close frame, with the code received.
        const std::string expected = wire::encode_close_payload(in_.peer_close()->code, "");
        if (e.frame.payload.substr(0, 2) != expected.substr(0, 2))
          flag('W', e.step, "answered the peer's close " + std::to_string(in_.peer_close()->code) +
                                " with a close frame carrying another code");
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
    // W: pongs answer pings received while open, in order.
    const auto& pings = in_.pings_while_open();
    if (pongs_.size() < pings.size() && !transport_closed_early()) {
      flag('W', end, "answered " + std::to_string(pongs_.size()) + " of " + std::to_string(pings.size()) + " pings");
    } else {
      for (std::size_t i = 0; i < std::min(pongs_.size(), pings.size()); ++i)
        if (pongs_[i] != pings[i]) {
          flag('W', end, "pong #" + std::to_string(i + 1) + " carried " + quote(pongs_[i]) + ", the ping " + quote(pings[i]));
          break;
        }
    }
    if (in_.peer_close_before_ours_step() && !wrote_close_ && !transport_closed_early())
      flag('W', end, "never answered the peer's close frame");
    if (s_.role == wire::role::server && in_.peer_close() && wrote_close_ && !output_shutdown_ && !transport_closed_early())
      flag('W', end, "as a server, did not close TCP after the closing handshake (RFC 6455 section 7.1.1)");
    while (checked_steps_ < h_.steps.size()) check_step(checked_steps_++);
    check_pending_read();
  }

  struct pending_read {
    std::size_t step;
    std::size_t received_before;  // data frames received before the read
    std::size_t min_before;       // the lowest queue seen since the read before
  };

  void check_pending_read() {
    if (!pending_read_) return;
    const pending_read p = *pending_read_;
    pending_read_.reset();
    const std::size_t consumed = std::min(consumed_frames_, p.received_before);
    const std::size_t lowest = std::min(p.min_before, p.received_before - consumed);
    if (lowest > s_.opts.low)
      flag('F', p.step, "read again with " + std::to_string(lowest) + " frames queued; reading should stay paused above " +
                            std::to_string(s_.opts.high) + " until at most " + std::to_string(s_.opts.low) + " are left");
  }

  // F: once at most `low` frames are queued, offered bytes must be read.
  void check_step(std::size_t i) {
    if (pending_read_ && pending_read_->step <= i) check_pending_read();
    const step_end& st = h_.steps[i];
    if (st.unread > 0 && !st.read_pending && !st.transport_ended && !in_.ended() && queued() <= s_.opts.low)
      flag('F', i, std::to_string(st.unread) + " bytes were offered but reading did not resume with " +
                       std::to_string(queued()) + " frames queued (low " + std::to_string(s_.opts.low) + ")");
  }

  bool transport_closed_early() const {
    for (const auto& e : h_.events)
      if (e.k == event::kind::transport_closed || e.k == event::kind::read_reset) return true;
    return false;
  }

  const scenario::scenario& s_;
  const history& h_;
  input_tracker in_;
  std::optional<wire::close_payload> our_close_;
  std::map<std::size_t, call_state> calls_;
  std::vector<violation> found_;
  std::vector<std::string> pongs_;
  std::size_t delivered_ = 0;
  std::size_t consumed_frames_ = 0;
  std::size_t reads_ = 0;
  std::size_t queued_after_read_ = 0;
  std::size_t min_since_read_ = 0;
  std::size_t checked_steps_ = 0;
  std::optional<pending_read> pending_read_;
  bool wrote_close_ = false;
  bool output_shutdown_ = false;
  bool interrupted_ = false;
};

}  // namespace

std::vector<violation> judge(const scenario::scenario& s, const history& h) {
  return judge_run(s, h).run();
}

std::string describe(const scenario::scenario& s, const violation& v) {
  std::string where = v.step < s.schedule.size() ? "step " + std::to_string(v.step + 1) : "the end";
  return std::string(1, v.invariant) + " violated at " + where + ": " + v.what;
}

}  // namespace lastword::history
