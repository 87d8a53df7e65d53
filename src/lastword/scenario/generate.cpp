#include "lastword/scenario/generate.hpp"

#include <algorithm>

namespace lastword::scenario {
namespace {

class chooser {
 public:
  explicit chooser(std::span<const std::uint8_t> b) : b_(b) {}
  // A choice in [0, n); 0 once the input is used up.
  unsigned pick(unsigned n) { return n <= 1 ? 0 : next() % n; }
  bool flip() { return pick(2) == 1; }
  bool done() const { return at_ >= b_.size(); }
  std::size_t position() const { return at_; }

 private:
  std::uint8_t next() { return at_ < b_.size() ? b_[at_++] : 0; }
  std::span<const std::uint8_t> b_;
  std::size_t at_ = 0;
};

const char* const words[] = {"a", "hello", "caf\xc3\xa9", ("\xe2\x82\xac" "uro"), "", "0123456789abcdef"};

// With `header_only`, the choices are read and nothing is built (for
// schedule_offset()).
std::string payload(chooser& c, std::size_t index, bool header_only) {
  const unsigned w = c.pick(8);
  if (header_only) return {};
  const std::string suffix = std::to_string(index);  // distinct messages are easy to tell apart
  std::string p;
  switch (w) {
    case 6:  // large: 64-bit length, over a small limit
      p.reserve(70000 + suffix.size());
      p.assign(70000, 'L');
      break;
    case 7:  // long text of two-byte code points, split anywhere by fragments
      p.reserve(300 + suffix.size());
      for (int i = 0; i < 150; ++i) p += "\xc3\xa9";
      break;
    default: p = words[w]; break;
  }
  p += suffix;
  return p;
}

// A frame that breaks RFC 6455, to put anywhere in a script.
std::string bad_frame(chooser& c) {
  switch (c.pick(3)) {
    case 0: return std::string("\x83\x00", 2);  // reserved opcode
    case 1: return std::string("\xc1\x00", 2);  // RSV1 without an extension
    default: return std::string("\x89\x7e\x00\x7e", 4);  // ping with a 16-bit length
  }
}

}  // namespace

std::string vocabulary::outside(const scenario& s) const {
  for (std::size_t i = 0; i < s.schedule.size(); ++i) {
    const step& p = s.schedule[i];
    const std::string at = "step " + std::to_string(i + 1) + ": ";
    if (!timeouts && p.k == step::kind::recv && p.timeout) return at + "recv() with a timeout";
    if (!streaming && p.k == step::kind::recv_streaming) return at + "recv_streaming()";
    if (!cancel && p.k == step::kind::cancel) return at + "cancelling a pending recv()";
  }
  return {};
}

namespace {

// from_bytes(); with `header_only`, it stops where the schedule starts and
// builds no payloads (the choices are read all the same).
scenario generate(std::span<const std::uint8_t> bytes, std::size_t* schedule_offset, const vocabulary& v,
                  bool header_only) {
  chooser c(bytes);
  scenario s;
  s.role = c.flip() ? wire::role::server : wire::role::client;
  static const std::size_t highs[] = {16, 2, 1, 0};
  s.opts.high = highs[c.pick(4)];
  s.opts.low = s.opts.high == 0 ? 0 : c.pick(static_cast<unsigned>(s.opts.high));
  s.opts.close_timeout_ms = 100;
  // One byte: the size limit (its value mod 4, as before permessage-deflate
  // joined) and, in a quarter of the inputs, permessage-deflate with or
  // without context takeover (RFC 7692), so that every layer that reads
  // scenarios from bytes also runs compressed streams.
  const unsigned limits = c.pick(32);
  s.opts.max_size = limits % 4 == 3 ? 12 : 1u << 20;
  s.opts.deflate = limits / 4 >= 6;
  s.opts.deflate_no_context_takeover = limits / 4 == 7;

  // The peer's script: messages, fragmented or not, pings between frames.
  const unsigned messages = c.pick(5);
  for (unsigned m = 0; m < messages; ++m) {
    const bool text = !c.flip();
    unsigned fragments = 1 + c.pick(3);
    if (fragments == 3 && c.pick(4) == 0) fragments = 12;  // many fragments
    const std::string data = payload(c, m, header_only);
    for (unsigned f = 0; f < fragments; ++f) {
      // Split the payload at byte boundaries, inside code points too.
      const std::size_t from = data.size() * f / fragments, to = data.size() * (f + 1) / fragments;
      peer_frame pf;
      pf.k = f == 0 ? (text ? peer_frame::kind::text : peer_frame::kind::binary) : peer_frame::kind::continuation;
      pf.fin = f + 1 == fragments;
      pf.payload.assign(data, from, to - from);
      s.peer.push_back(std::move(pf));
      if (c.pick(6) == 0) s.peer.push_back({peer_frame::kind::ping, true, "p" + std::to_string(m), {}, {}});
    }
    // Bad input at any point, not only at the end.
    if (c.pick(12) == 0) s.peer.push_back({peer_frame::kind::raw, true, bad_frame(c), {}, {}});
  }
  // How the script ends.
  switch (c.pick(6)) {
    case 0: case 1: s.peer.push_back({peer_frame::kind::close, true, {}, 1000, "bye"}); break;
    case 2: s.peer.push_back({peer_frame::kind::close, true, {}, std::nullopt, {}}); break;
    case 3: s.peer.push_back({peer_frame::kind::close, true, {}, 4001, {}}); break;
    case 4: s.peer.push_back({peer_frame::kind::raw, true, std::string("\x83\x00", 2), {}, {}}); break;
    default: break;  // the peer just stops
  }
  if (c.pick(4) == 0) s.peer.push_back({peer_frame::kind::text, true, "after the end", {}, {}});

  // The schedule.
  if (schedule_offset) *schedule_offset = std::min(c.position(), bytes.size());
  if (header_only) return s;
  unsigned sends = 0;
  while (!c.done() && s.schedule.size() < max_generated_steps) {
    step p;
    switch (c.pick(16)) {
      case 0: case 1: p.k = step::kind::read_frames; p.n = 1 + c.pick(3); break;
      case 2: p.k = step::kind::read_bytes; p.n = 1 + c.pick(7); break;
      case 3: p.k = step::kind::read_all; break;
      case 4: p.k = step::kind::eof; break;
      case 5: p.k = c.pick(3) == 0 ? step::kind::reset : step::kind::eof; break;
      case 6: case 7: case 8: p.k = step::kind::recv; break;
      case 9: {
        p.k = step::kind::recv;
        const std::uint64_t timeout = c.pick(3) * 50;  // read either way: the bytes keep their meaning
        if (v.timeouts) p.timeout = timeout;
        break;
      }
      case 10: p.k = v.streaming ? step::kind::recv_streaming : step::kind::recv; break;
      case 11: p.k = v.cancel ? step::kind::cancel : step::kind::recv; break;
      case 12: p.k = step::kind::close; p.code = c.flip() ? 1000 : 4000; break;
      case 13: p.k = step::kind::advance; p.n = 10 + 50 * c.pick(4); break;
      case 14: p.k = c.flip() ? step::kind::stall_writes : step::kind::release_writes; break;
      default: {
        // The consumer's own messages: one to three send() calls in one
        // turn (whole messages, or the frames of one fragmented message),
        // often with close() in that same turn, so that close() meets
        // sends still in flight.
        const unsigned n = 1 + c.pick(3);
        const bool fragmented = n > 1 && c.flip();
        const bool text = !c.flip();
        for (unsigned k = 0; k < n && s.schedule.size() + 1 < max_generated_steps; ++k) {
          step q;
          q.k = step::kind::send;
          q.frame = fragmented && k > 0 ? peer_frame::kind::continuation
                                        : (text ? peer_frame::kind::text : peer_frame::kind::binary);
          q.fin = !fragmented || k + 1 == n;
          const bool large = c.pick(8) == 7;
          const std::string suffix = std::to_string(sends++);
          q.payload.reserve((large ? 70000 : 1) + suffix.size());
          q.payload.assign(large ? 70000 : 1, large ? 'S' : 's');
          q.payload += suffix;
          q.same_turn_as_next = true;
          s.schedule.push_back(std::move(q));
        }
        if (c.flip()) {
          p.k = step::kind::close;
          p.code = 1000;
        } else {
          s.schedule.back().same_turn_as_next = false;
          continue;
        }
        break;
      }
    }
    s.schedule.push_back(p);
    if (c.pick(5) == 0 && !s.schedule.empty()) s.schedule.back().same_turn_as_next = true;
  }
  if (!s.schedule.empty()) s.schedule.back().same_turn_as_next = false;
  return s;
}

}  // namespace

scenario from_bytes(std::span<const std::uint8_t> bytes, std::size_t* schedule_offset, const vocabulary& v) {
  return generate(bytes, schedule_offset, v, false);
}

std::size_t schedule_offset(std::span<const std::uint8_t> bytes) {
  std::size_t offset = 0;
  (void)generate(bytes, &offset, vocabulary{}, true);
  return offset;
}

}  // namespace lastword::scenario
