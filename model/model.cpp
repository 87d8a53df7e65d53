#include "model/model.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "lastword/wire/assert.hpp"

namespace lastword::model {
namespace {

constexpr end_reason end_none = end_reason::none, end_close = end_reason::close_frame, end_failed = end_reason::failed,
                     end_eof = end_reason::eof, end_reset = end_reason::reset, end_timeout = end_reason::close_timeout;
constexpr pending_call call_none = pending_call::none, call_recv = pending_call::recv,
                       call_recv_timeout = pending_call::recv_timeout, call_streaming = pending_call::streaming;

constexpr int width_of(std::string_view field) {
  for (const auto& f : packed_fields)
    if (field == f.name) return f.bits;
  return 0;
}
// The widths as constants (pack() is on the checker's hot path).
constexpr int w_script = width_of("script"), w_offered = width_of("offered"), w_read = width_of("read"),
              w_consumed = width_of("consumed"), w_delivered = width_of("delivered"), w_taken = width_of("taken"),
              w_yielded = width_of("yielded"), w_end = width_of("end"), w_call = width_of("call"),
              w_sent = width_of("sent"), w_written = width_of("written"), w_close_at = width_of("close_at"),
              w_writes = width_of("writes");
static_assert(width_of("end") > 0 && (1u << width_of("end")) > static_cast<unsigned>(end_reason::close_timeout));
static_assert(width_of("call") > 0 && (1u << width_of("call")) > static_cast<unsigned>(pending_call::streaming));
static_assert(width_of("writes") > 0 && (1u << width_of("writes")) > static_cast<unsigned>(write_side::dropped));
constexpr int total_bits() {
  int n = 10;  // the ten flags
  for (const auto& f : packed_fields) n += f.bits;
  return n;
}
static_assert(total_bits() <= 64);

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

}  // namespace

std::uint64_t script_count(const scope& sc) noexcept {
  if (sc.max_messages < 0 || sc.max_fragments < 1) return 0;
  std::uint64_t sum = 0, power = 1;  // sum of max_fragments^m for m = 0..max_messages
  for (int m = 0; m <= sc.max_messages; ++m) {
    sum = saturating_add(sum, power);
    power = saturating_mul(power, static_cast<std::uint64_t>(sc.max_fragments));
  }
  return saturating_mul(saturating_mul(sum, sc.ends.size()), sc.pings ? 2 : 1);
}

std::string misfit::describe() const {
  if (limit == 0) return field;
  // A saturated count (script_count and the products stop at the largest
  // value) is a lower bound, not a figure.
  const bool saturated = needed >= std::numeric_limits<std::uint64_t>::max() - 1;
  return "the scope needs " + field + " up to " + (saturated ? "more than " : "") + std::to_string(needed) +
         ", but its " +
         std::to_string(width_of(field)) + "-bit field holds at most " + std::to_string(limit);
}

std::vector<misfit> misfits(const scope& sc) {
  std::vector<misfit> out;
  if (sc.max_messages < 0) out.push_back({"messages must not be negative", 0, 0});
  if (sc.max_fragments < 1) out.push_back({"a message needs at least one fragment", 0, 0});
  if (sc.ends.empty()) out.push_back({"the scope needs at least one way for a script to end", 0, 0});
  if (sc.depth < 0) out.push_back({"the depth must not be negative", 0, 0});
  if (sc.max_sends < 0) out.push_back({"sends must not be negative", 0, 0});
  if (!out.empty()) return out;
  const std::uint64_t m = static_cast<std::uint64_t>(sc.max_messages), f = static_cast<std::uint64_t>(sc.max_fragments);
  const bool end_frame =
      std::any_of(sc.ends.begin(), sc.ends.end(), [](script_end e) { return e != script_end::none; });
  const std::uint64_t data = saturating_mul(m, f);
  const std::uint64_t frames = saturating_add(data, (sc.pings ? 1 : 0) + (end_frame ? 1 : 0));
  const std::uint64_t scripts = script_count(sc);
  const std::pair<const char*, std::uint64_t> needs[] = {
      {"script", scripts == 0 ? 0 : scripts - 1}, {"offered", frames}, {"read", frames}, {"consumed", data},
      {"delivered", m}, {"taken", f}, {"yielded", f},
      {"sent", static_cast<std::uint64_t>(sc.max_sends)}, {"written", static_cast<std::uint64_t>(sc.max_sends)},
      {"close_at", static_cast<std::uint64_t>(sc.max_sends)}};
  for (const auto& [field, needed] : needs) {
    const std::uint64_t limit = (std::uint64_t{1} << width_of(field)) - 1;
    if (needed > limit) out.push_back({field, needed, limit});
  }
  return out;
}

std::string scope_text(const scope& s) {
  return std::to_string(s.max_messages) + "," + std::to_string(s.max_fragments) + "," + std::to_string(s.max_sends);
}

std::string_view action_name(action a) noexcept {
  switch (a) {
    case action::read_frame: return "read frames 1";
    case action::read_all: return "read all";
    case action::eof: return "eof";
    case action::reset: return "reset";
    case action::recv: return "recv";
    case action::recv_zero: return "recv timeout 0";
    case action::recv_timeout: return "recv timeout 100";
    case action::streaming: return "recv-streaming";
    case action::cancel: return "cancel";
    case action::close: return "close 1000";
    case action::advance: return "advance 1000";
    case action::read_frame_and_advance: return "read frames 1; advance 1000";
    case action::read_all_and_eof: return "read all; eof";
    case action::send: return "send";
    case action::send_fragmented: return "send more; send continuation";
    case action::send_and_close: return "send; close 1000";
    case action::stall_writes: return "stall-writes";
    case action::release_writes: return "release-writes";
  }
  return "?";
}

std::string_view flaw_name(flaw f) noexcept {
  switch (f) {
    case flaw::none: return "none";
    case flaw::closed_before_drain: return "closed-before-drain";
    case flaw::end_clears_queue: return "end-clears-queue";
    case flaw::zero_timeout_first: return "zero-timeout-first";
    case flaw::no_timeout_if_paused: return "no-timeout-if-paused";
    case flaw::cancel_loses_message: return "cancel-loses-message";
    case flaw::close_overtakes_send: return "close-overtakes-send";
    case flaw::close_ignores_writes: return "close-ignores-writes";
    case flaw::closed_waits_for_echo: return "closed-waits-for-echo";
  }
  return "?";
}

std::vector<script> scripts_in(const scope& sc) {
  std::vector<script> out;
  for (int m = 0; m <= sc.max_messages; ++m) {
    // Every combination of fragment counts for m messages.
    std::vector<std::uint8_t> f(static_cast<std::size_t>(m), 1);
    for (;;) {
      for (script_end e : sc.ends) {
        out.push_back({f, e, false});
        if (sc.pings) out.push_back({f, e, true});
      }
      std::size_t i = 0;
      while (i < f.size() && f[i] == sc.max_fragments) f[i++] = 1;
      if (i == f.size()) break;
      ++f[i];
    }
  }
  return out;
}

namespace {
// Each field's place in the packed word: the first field listed is the
// most significant, the last flag is bit 0 (unpack() reads them back in
// the reverse order).
constexpr std::array<int, 23> pack_widths = {w_script, w_offered, w_read, w_consumed, w_delivered, w_taken,
                                             w_yielded, w_end,    w_call, w_sent,     w_written,   w_close_at,
                                             w_writes,  1,        1,      1,          1,           1,
                                             1,         1,        1,      1,          1};
constexpr std::array<int, 23> pack_offsets = [] {
  std::array<int, 23> o{};
  int at = 0;
  for (int i = 22; i >= 0; --i) {
    o[static_cast<std::size_t>(i)] = at;
    at += pack_widths[static_cast<std::size_t>(i)];
  }
  return o;
}();

template <std::size_t... I>
std::uint64_t pack_fields(const std::array<std::uint64_t, 23>& f, std::uint64_t& overflow, std::index_sequence<I...>) {
  overflow = ((f[I] >> pack_widths[I]) | ...);
  return ((f[I] << pack_offsets[I]) | ...);
}
}  // namespace

std::uint64_t state::pack() const noexcept {
  const std::array<std::uint64_t, 23> f = {script,
                                           offered,
                                           read,
                                           consumed,
                                           delivered,
                                           taken,
                                           yielded,
                                           static_cast<std::uint8_t>(end),
                                           static_cast<std::uint8_t>(call),
                                           sent,
                                           written,
                                           close_at,
                                           static_cast<std::uint8_t>(writes),
                                           eof,
                                           reset,
                                           reader_done,
                                           closing,
                                           close_pending,
                                           timer,
                                           paused,
                                           raised,
                                           close_written,
                                           close_early};
  // A value wider than its field is a scope that misfits() should have
  // refused: never mask it. The fields go in side by side rather than one
  // after another (pack() is on the checker's hot path), and one test of
  // every field's overflow bits covers them all.
  std::uint64_t overflow = 0;
  const std::uint64_t v = pack_fields(f, overflow, std::make_index_sequence<23>{});
  LASTWORD_ASSERT(overflow == 0);
  return v;
}

state state::unpack(std::uint64_t v) noexcept {
  state s;
  auto get = [&](int bits) {
    const auto x = v & ((std::uint64_t{1} << bits) - 1);
    v >>= bits;
    return x;
  };
  s.close_early = get(1);
  s.close_written = get(1);
  s.raised = get(1);
  s.paused = get(1);
  s.timer = get(1);
  s.close_pending = get(1);
  s.closing = get(1);
  s.reader_done = get(1);
  s.reset = get(1);
  s.eof = get(1);
  s.writes = static_cast<write_side>(get(w_writes));
  s.close_at = static_cast<std::uint8_t>(get(w_close_at));
  s.written = static_cast<std::uint8_t>(get(w_written));
  s.sent = static_cast<std::uint8_t>(get(w_sent));
  s.call = static_cast<pending_call>(get(w_call));
  s.end = static_cast<end_reason>(get(w_end));
  s.yielded = static_cast<std::uint8_t>(get(w_yielded));
  s.taken = static_cast<std::uint8_t>(get(w_taken));
  s.delivered = static_cast<std::uint8_t>(get(w_delivered));
  s.consumed = static_cast<std::uint8_t>(get(w_consumed));
  s.read = static_cast<std::uint8_t>(get(w_read));
  s.offered = static_cast<std::uint8_t>(get(w_offered));
  s.script = static_cast<std::uint16_t>(get(w_script));
  return s;
}

namespace {
const scope& fitting(const scope& sc) {
  const auto bad = misfits(sc);
  if (bad.empty()) return sc;
  std::string what = "scope does not fit the model's state: ";
  for (std::size_t i = 0; i < bad.size(); ++i) what += (i ? "; " : "") + bad[i].describe();
  throw scope_error(what);
}
}  // namespace

machine::machine(scope sc, flaw f) : scope_(fitting(sc)), flaw_(f), scripts_(scripts_in(scope_)) {
  // The frame tables, from the frames in order: the end frame, if read, is
  // the last that counts.
  tables_.reserve(scripts_.size());
  for (const script& sc : scripts_) {
    script_table t;
    std::size_t data = 0;
    for (auto n : sc.fragments) data += n;
    t.frames = static_cast<std::uint8_t>(data + (sc.ping ? 1 : 0) + (sc.end == script_end::none ? 0 : 1));
    for (std::uint8_t k = 0; k <= data; ++k) t.data.push_back(data_frame_slow(sc, k));
    std::uint8_t d = 0, c = 0;
    bool ended = false;
    for (std::uint8_t i = 0; i <= t.frames; ++i) {
      t.dfr.push_back(d);
      t.cmr.push_back(c);
      if (i == t.frames) break;
      const auto fi = frame_slow(sc, i);
      t.frame.push_back(fi);
      if (fi.end) ended = true;
      if (!ended && fi.data) {
        ++d;
        if (fi.fin) ++c;
      }
    }
    c = 0;
    t.cm.push_back(0);
    for (std::size_t k = 0; k < data; ++k) t.cm.push_back(c = static_cast<std::uint8_t>(c + (t.data[k].fin ? 1 : 0)));
    std::uint8_t frames = 0;
    t.dfm.push_back(0);
    for (auto n : sc.fragments) t.dfm.push_back(frames = static_cast<std::uint8_t>(frames + n));
    tables_.push_back(std::move(t));
  }
}

std::vector<state> machine::initial_states() const {
  std::vector<state> out;
  for (std::size_t i = 0; i < scripts_.size(); ++i) {
    state s;
    s.script = static_cast<std::uint16_t>(i);
    out.push_back(s);
  }
  return out;
}

machine::frame_info machine::data_frame_slow(const script& sc, std::uint8_t k) const {
  std::uint8_t at = 0;
  for (std::uint8_t m = 0; m < sc.fragments.size(); ++m) {
    if (k < at + sc.fragments[m])
      return {true, m, k + 1 == at + sc.fragments[m], static_cast<std::uint8_t>(k - at)};
    at = static_cast<std::uint8_t>(at + sc.fragments[m]);
  }
  return {false, 0, true, 0, true};
}

machine::frame_info machine::frame_slow(const script& sc, std::uint8_t i) const {
  if (sc.ping) {
    if (i == 0) return {false, 0, true, 0, false};
    --i;
  }
  return data_frame_slow(sc, i);
}

std::uint8_t machine::frame_count(const state& s) const { return table(s).frames; }
machine::frame_info machine::data_frame(const state& s, std::uint8_t k) const { return table(s).data[k]; }
machine::frame_info machine::frame(const state& s, std::uint8_t i) const { return table(s).frame[i]; }
std::uint8_t machine::frames_of_message(const state& s, std::uint8_t m) const { return scripts_[s.script].fragments[m]; }

// Data frames received: read before the end of input (the end frame, if
// read, is the last frame that counts).
std::uint8_t machine::data_frames_read(const state& s) const { return table(s).dfr[s.read]; }
std::uint8_t machine::complete_messages_read(const state& s) const { return table(s).cmr[s.read]; }

// The connection is open for sending: neither our close() nor the end of
// input came (a send() then fails and writes nothing).
bool machine::open(const state& s) { return s.end == end_none && !s.closing; }

// Our close frame is in the write order: close() sent it, or the reader
// queued the echo of the peer's close frame, or the close of a failure.
bool machine::close_queued(const state& s) { return s.closing || s.end == end_close || s.end == end_failed; }

// Bytes wait to be written (possible only while writes are stalled).
bool machine::writes_pending(const state& s) {
  if (s.writes != write_side::stalled && s.writes != write_side::stalled_pong) return false;
  return s.writes == write_side::stalled_pong || s.written < writable(s) || (close_queued(s) && !s.close_written);
}

// The close timer can still expire: it bounds the wait for the peer while
// reading goes on, and a close() waiting for our writes after it ended.
bool machine::timer_running(const state& s) { return s.timer && (!s.reader_done || writes_pending(s)); }

// The messages ahead of our close frame in the write order: until the
// close frame is queued, every message sent (close_at follows sent); then
// those sent before it (sends after it fail, so it is all of them unless
// a broken spec puts the close frame first).
std::uint8_t machine::writable(const state& s) { return close_queued(s) ? s.close_at : s.sent; }

// Whatever is queued is written, in the write order: the messages ahead of
// our close frame, then the close frame (nothing goes out while writes are
// stalled).
void machine::write_out(state& s, const sink& out) const {
  if (!close_queued(s)) s.close_at = s.sent;
  if (s.writes != write_side::flowing) return;
  for (; s.written < writable(s); ++s.written) out.push({outcome::kind::sent, s.written});
  if (close_queued(s) && !s.close_written) s.close_written = true;
}

// One send() call of `frames` frames (in one turn): counted when the
// connection is open, failed otherwise; false when the scope's sends are
// used up.
bool machine::send_call(state& s, const sink& out, int frames) const {
  if (!open(s)) {
    for (int k = 0; k < frames; ++k) out.push({outcome::kind::send_failed});
    return true;
  }
  if (s.sent >= scope_.max_sends) return false;
  ++s.sent;
  s.close_at = s.sent;  // not queued yet: the close frame, when it comes, goes after it
  return true;
}

void machine::read_available(state& s) const {
  if (s.reader_done) return;
  // F: no reading above the high-water mark, until the input has ended.
  if (s.paused && s.end == end_none) return;
  if (s.read < s.offered) {
    // One read takes everything offered.
    for (; s.read < s.offered; ++s.read) {
      if (s.end != end_none) continue;  // discarded after the end of input
      const auto f = frame(s, s.read);
      // A ping is answered while we are open (after our close frame
      // nothing is sent, pongs included): its pong waits while writes
      // are stalled.
      if (!f.data && !f.end && !s.closing && s.writes == write_side::stalled) s.writes = write_side::stalled_pong;
      if (!f.end) continue;  // data is queued
      s.end = scripts_[s.script].end == script_end::close ? end_close : end_failed;
    }
    // The reader decides whether to read again after each read: a read
    // already waiting is not taken back when the queue grows otherwise
    // (a cancelled stream giving its fragments back).
    const std::uint8_t queued = static_cast<std::uint8_t>(data_frames_read(s) - s.consumed);
    if (s.end == end_none && queued > scope_.high && complete_queued(s) > 0) s.paused = true;
  }
  if (s.end != end_none) s.paused = false;
  if (s.paused) return;
  // The transport's end, once everything before it was read.
  if (s.reset || (s.eof && s.read == s.offered)) {
    s.reader_done = true;
    if (s.end == end_none) {
      s.end = s.reset ? end_reset : end_eof;
      if (flaw_ == flaw::end_clears_queue) s.consumed = data_frames_read(s);
    }
  }
}

// Lets the pending call progress; true if anything changed.
bool machine::consumer_progress(state& s, const sink& out) const {
  const std::uint8_t complete = complete_messages_read(s);
  // closed-waits-for-echo: the consumer sees the end of input only once the
  // echo of the peer's close frame was written (or the transport dropped).
  const bool ended = s.end != end_none && !(flaw_ == flaw::closed_waits_for_echo && s.end == end_close &&
                                            !s.close_written && s.writes != write_side::dropped);
  if (s.call == call_recv || s.call == call_recv_timeout) {
    if (flaw_ == flaw::closed_before_drain && ended) {
      out.push({outcome::kind::closed});
      s.raised = true;
      s.call = call_none;
      return true;
    }
    if (complete > s.delivered && s.consumed + frames_of_message(s, s.delivered) <= data_frames_read(s)) {
      out.push({outcome::kind::message, s.delivered});
      s.consumed = static_cast<std::uint8_t>(s.consumed + frames_of_message(s, s.delivered));
      ++s.delivered;
      s.call = call_none;
      return true;
    }
    if (ended) {
      out.push({outcome::kind::closed});
      s.raised = true;
      s.call = call_none;
      return true;
    }
    return false;
  }
  if (s.call == call_streaming) {
    bool changed = false;
    while (s.consumed < data_frames_read(s)) {
      const auto f = data_frame(s, s.consumed);
      out.push({outcome::kind::fragment, f.message, f.fragment});
      ++s.consumed;
      ++s.taken;
      changed = true;
      if (f.fin) {
        out.push({outcome::kind::stream_end, f.message});
        ++s.delivered;
        s.taken = 0;
        s.call = call_none;
        return true;
      }
    }
    if (ended) {
      // P: the fragments received were returned; the message never ends.
      out.push({outcome::kind::closed});
      s.raised = true;
      s.yielded = static_cast<std::uint8_t>(s.yielded + s.taken);
      s.taken = 0;
      s.call = call_none;
      return true;
    }
    return changed;
  }
  return false;
}

void machine::fire(state& s, const sink& out, bool recv_timer, bool close_timer) const {
  if (recv_timer && s.call == call_recv_timeout) {
    // X: a timed-out recv took nothing.
    out.push({outcome::kind::timeout});
    s.call = call_none;
  }
  if (close_timer && timer_running(s)) {
    // The close timeout: give up on the peer (and on our writes), drop the
    // transport.
    const bool unwritten = writes_pending(s);
    s.reader_done = true;
    s.paused = false;
    if (s.end == end_none) {
      s.end = end_timeout;
      if (flaw_ == flaw::end_clears_queue) s.consumed = data_frames_read(s);
    }
    // S: what was still unwritten fails with the transport (with nothing
    // unwritten, a dropped transport is one that ended: no new write can
    // come after the end of input).
    if (unwritten) {
      for (std::uint8_t k = s.written; k < writable(s); ++k) out.push({outcome::kind::send_failed});
      s.writes = write_side::dropped;
    }
  }
}

void machine::settle(state& s, const sink& out) const {
  for (;;) {
    const state before = s;
    read_available(s);
    consumer_progress(s, out);
    const std::uint8_t queued = static_cast<std::uint8_t>(data_frames_read(s) - s.consumed);
    // F: resume at the low mark, or when no complete message is queued
    // (the unfinished one can only be finished by reading).
    if (s.paused && (queued <= scope_.low || complete_queued(s) == 0)) s.paused = false;
    // L: the close timer runs while the closing handshake waits for the
    // peer, or for our close frame to be written: an implementation starts
    // it when it queues the close frame, so a read that brings the peer's
    // close frame (or a fatal error) and EOF at once leaves it running
    // while writes are stalled, as reading them one after the other does.
    const bool close_expected = s.closing || s.end == end_close || s.end == end_failed;
    if (!s.timer && (!s.reader_done || writes_pending(s)) && close_expected &&
        !(flaw_ == flaw::no_timeout_if_paused && s.paused))
      s.timer = true;
    write_out(s, out);
    // S and L: a close() waiting for our writes after reading ended waits
    // at most the close timeout too.
    if (!s.timer && s.reader_done && s.close_pending && writes_pending(s)) s.timer = true;
    // close() returns once reading ended and what was sent before it was
    // written, or can no longer be.
    if (s.close_pending && s.reader_done && (!writes_pending(s) || flaw_ == flaw::close_ignores_writes)) {
      out.push({outcome::kind::close_returned});
      s.close_pending = false;
      if (s.written < s.sent && s.writes != write_side::dropped) s.close_early = true;
    }
    // Byte for byte (the state has no padding): the loop's test runs on
    // every step of the checker.
    static_assert(std::has_unique_object_representations_v<state>);
    if (std::memcmp(&s, &before, sizeof s) == 0) return;
  }
}

successor_list machine::steps(const state& s0, action a) const {
  successor_list out;
  state next[2];
  std::optional<violation> tv[2];
  outcome_list outcomes[2];
  const int n = steps_impl(s0, a, next, tv, outcomes);
  for (int i = 0; i < n; ++i) out.push_back({next[i], std::move(outcomes[i]), std::move(tv[i])});
  return out;
}

int machine::successors(const state& s0, action a, state next[2], std::optional<violation> tv[2]) const {
  return steps_impl(s0, a, next, tv, nullptr);
}

int machine::steps_impl(const state& s0, action a, state next[2], std::optional<violation> tv[2],
                        outcome_list* outcomes) const {
  const sink first{outcomes ? &outcomes[0] : nullptr}, second{outcomes ? &outcomes[1] : nullptr};
  tv[0].reset();
  tv[1].reset();
  next[0] = s0;
  if (a == action::read_all_and_eof) {
    // Nothing in between can tell the two apart: one successor.
    if (s0.eof || s0.reset || s0.offered >= frame_count(s0)) return 0;
    next[0].offered = frame_count(s0);
    next[0].eof = true;
    settle(next[0], first);
    return 1;
  }
  if (a != action::read_frame_and_advance) return apply(next[0], a, first, tv[0]) ? 1 : 0;
  // The frame's read and the expired timers are ready in the same turn:
  // either may be handled first. Without a timer to expire it is read_frame.
  if (s0.call != call_recv_timeout && !timer_running(s0)) return 0;
  // Time jumps at the start of the turn: only the timers running then
  // expire, not one the read starts.
  const bool recv_timer = s0.call == call_recv_timeout, close_timer = timer_running(s0);
  if (!apply(next[0], action::read_frame, first, tv[0])) return 0;
  fire(next[0], first, recv_timer, close_timer);
  settle(next[0], first);
  next[1] = s0;
  apply(next[1], action::advance, second, tv[1]);
  apply(next[1], action::read_frame, second, tv[1]);
  if (next[1] == next[0]) {
    if (outcomes) outcomes[1].clear();
    tv[1].reset();
    return 1;
  }
  return 2;
}

successor_list machine::steps_or_stay(const state& s, action a, bool* enabled) const {
  auto out = steps(s, a);
  if (enabled) *enabled = !out.empty();
  if (!out.empty() || a == action::close || a == action::send_and_close) return out;
  // What the step still does where its full form is not enabled.
  switch (a) {
    case action::read_all:                // one frame left: a read of it
    case action::read_frame_and_advance:  // no timer to expire: a read
      out = steps(s, action::read_frame);
      break;
    case action::read_all_and_eof:  // nothing left to read: EOF
      out = steps(s, action::eof);
      break;
    default:
      break;
  }
  if (out.empty()) out.push_back(successor{s, {}, {}});
  return out;
}

bool machine::apply(state& s, action a, const sink& out, std::optional<violation>& tv) const {
  const std::uint8_t frames = frame_count(s);
  const bool transport_open = !s.eof && !s.reset;
  switch (a) {
    case action::read_frame:
      if (s.offered >= frames || !transport_open) return false;
      ++s.offered;
      break;
    case action::read_all:
      if (s.offered + 1 >= frames || !transport_open) return false;  // read_frame covers one
      s.offered = frames;
      break;
    case action::eof:
      if (!transport_open) return false;
      s.eof = true;
      break;
    case action::reset:
      if (!transport_open) return false;
      s.reset = true;
      s.offered = s.read;  // unread bytes are lost
      break;
    case action::recv:
    case action::recv_zero:
    case action::recv_timeout:
    case action::streaming: {
      if (s.call != call_none) {
        out.push({outcome::kind::busy});  // K: fails at once, changes nothing
        return true;
      }
      if (a == action::recv_zero) {
        const bool ready = complete_messages_read(s) > s.delivered;
        bool timed_out = false;
        if (flaw_ == flaw::zero_timeout_first) {
          out.push({outcome::kind::timeout});
          timed_out = true;
        } else {
          s.call = call_recv;
          if (!consumer_progress(s, out)) {
            s.call = call_none;
            out.push({outcome::kind::timeout});
            timed_out = true;
          }
        }
        // T: a timeout only when no complete message was queued.
        if (ready && timed_out)
          tv = violation{'T', "recv with a zero timeout reported a timeout although a message was complete"};
        break;
      }
      s.call = a == action::streaming ? call_streaming : a == action::recv_timeout ? call_recv_timeout : call_recv;
      break;
    }
    case action::cancel:
      if (s.call == call_none) return false;
      out.push({outcome::kind::cancelled});
      // X: fragments taken by a cancelled streaming call go back.
      if (flaw_ != flaw::cancel_loses_message) s.consumed = static_cast<std::uint8_t>(s.consumed - s.taken);
      s.taken = 0;
      s.call = call_none;
      break;
    case action::close:
      if (s.closing || s.close_pending) return false;
      s.close_pending = true;
      // The close frame goes out only while our side is open; after the
      // peer's close or a failure, close() just waits for the end.
      if (s.end == end_none) s.closing = true;
      break;
    case action::advance:
      if (s.call != call_recv_timeout && !timer_running(s)) return false;
      fire(s, out, true, true);
      break;
    case action::send:
      if (!send_call(s, out, 1)) return false;
      break;
    case action::send_fragmented:
      // Two calls, one message: its frames are written (or fail) together,
      // so the continuation's result is its message's (one outcome).
      if (!send_call(s, out, 1)) return false;
      break;
    case action::send_and_close: {
      if (s.closing || s.close_pending) return false;
      const bool was_open = open(s);
      if (!send_call(s, out, 1)) return false;
      s.close_pending = true;
      if (s.end == end_none) s.closing = true;
      if (flaw_ == flaw::close_overtakes_send && was_open) {
        // The send's frame joins the write order after the close frame,
        // where it is refused: it fails and is never written.
        s.close_at = static_cast<std::uint8_t>(s.sent - 1);
        out.push({outcome::kind::send_failed});
      }
      break;
    }
    case action::stall_writes:
      if (s.writes != write_side::flowing) return false;
      s.writes = write_side::stalled;
      break;
    case action::release_writes:
      if (s.writes != write_side::stalled && s.writes != write_side::stalled_pong) return false;
      s.writes = write_side::flowing;
      break;
    case action::read_frame_and_advance:
    case action::read_all_and_eof:
      return false;  // same-turn pairs are composed by steps()
  }
  settle(s, out);
  return true;
}

// Complete messages among the queued data frames (read, not yet handed
// to the consumer): data frames with FIN at or after index `consumed`.
std::uint8_t machine::complete_queued(const state& s) const {
  const auto& t = table(s);
  const std::uint8_t received = t.dfr[s.read];
  return static_cast<std::uint8_t>(t.cm[received] - t.cm[std::min(s.consumed, received)]);
}

std::optional<violation> machine::invariants(const state& s) const {
  const std::uint8_t received = data_frames_read(s);
  const std::uint8_t complete = complete_messages_read(s);
  const auto& t = table(s);
  const std::uint8_t delivered_frames = t.dfm[std::min<std::size_t>(s.delivered, t.dfm.size() - 1)];
  // D: every received data frame is queued, taken by the pending stream,
  // or part of a delivered message, exactly once.
  if (s.consumed != delivered_frames + s.taken + s.yielded || s.consumed > received)
    return violation{'D', "received data frames are lost or duplicated (" + std::to_string(s.consumed) +
                              " consumed, " + std::to_string(delivered_frames) + " delivered, " +
                              std::to_string(s.taken) + " in a stream, " + std::to_string(s.yielded) +
                              " yielded before ConnectionClosed)"};
  if (s.delivered > complete) return violation{'D', "a message was returned before it was received"};
  // D: ConnectionClosed only after every received message was returned.
  if (s.raised && s.delivered < complete)
    return violation{'D', "ConnectionClosed was raised with " + std::to_string(complete - s.delivered) +
                              " received message(s) not returned"};
  // P: fragments in flight belong to a pending streaming call.
  if (s.taken > 0 && s.call != call_streaming) return violation{'P', "fragments taken outside a streaming call"};
  // F: paused only above the low mark and before the end of input; never
  // stalled with bytes to read below it.
  const std::uint8_t queued = static_cast<std::uint8_t>(received - s.consumed);
  if (s.paused && (s.end != end_none || queued <= scope_.low || complete_queued(s) == 0))
    return violation{'F', "reading is paused with " + std::to_string(queued) + " frames queued"};
  if (!s.paused && !s.reader_done && s.end == end_none && s.read < s.offered)
    return violation{'F', "offered frames are not read although reading is not paused"};
  // L: a waiting call whose result is known must have completed.
  if ((s.call == call_recv || s.call == call_recv_timeout) && (s.end != end_none || complete > s.delivered))
    return violation{'L', "recv() still waits although it could complete"};
  if (s.call == call_streaming && (s.end != end_none || s.consumed < received))
    return violation{'L', "recv_streaming() still waits although it could progress"};
  // L: close() always has a timeout, also while it waits for our writes.
  if (s.close_pending && !s.timer && (!s.reader_done || writes_pending(s)))
    return violation{'L', "close() can wait forever: no close timeout is running"};
  // S: the messages sent before close() are written before our close frame,
  // each once, and close() returns only after them (or a dropped transport).
  if (s.written > s.sent) return violation{'S', "more messages were written than send() was called for"};
  if (s.close_written && s.close_at != s.sent)
    return violation{'S', "our close frame was written ahead of " + std::to_string(s.sent - s.close_at) +
                              " message(s) whose send() was called before close()"};
  if (s.close_early)
    return violation{'S', "close() returned with " + std::to_string(s.sent - s.written) +
                              " message(s) sent before it unwritten, and the transport had not failed"};
  return std::nullopt;
}

scenario::scenario machine::to_scenario(const state& initial, const std::vector<action>& path) const {
  scenario::scenario out;
  out.role = wire::role::client;
  out.opts.high = scope_.high;
  out.opts.low = scope_.low;
  out.opts.close_timeout_ms = 500;
  const script& sc = scripts_[initial.script];
  std::size_t frames = (sc.ping ? 1 : 0) + (sc.end == script_end::none ? 0 : 1), steps = path.size();
  for (auto f : sc.fragments) frames += f;
  for (action a : path) steps += joined(a) ? 1 : 0;
  out.peer.reserve(frames);
  out.schedule.reserve(steps);
  if (sc.ping) out.peer.push_back({scenario::peer_frame::kind::ping, true, "p", {}, {}});
  for (std::size_t m = 0; m < sc.fragments.size(); ++m) {
    for (std::uint8_t f = 0; f < sc.fragments[m]; ++f) {
      scenario::peer_frame pf;
      pf.k = f == 0 ? scenario::peer_frame::kind::text : scenario::peer_frame::kind::continuation;
      pf.fin = f + 1 == sc.fragments[m];
      pf.payload = "m" + std::to_string(m) + "f" + std::to_string(f);
      out.peer.push_back(pf);
    }
  }
  if (sc.end == script_end::close) out.peer.push_back({scenario::peer_frame::kind::close, true, {}, 1000, {}});
  if (sc.end == script_end::bad_frame)
    out.peer.push_back({scenario::peer_frame::kind::raw, true, std::string("\x83\x00", 2), {}, {}});
  // The consumer's k-th send() is message "s<k>": text when k is even,
  // binary when odd (a fragmented one in two frames, "s<k>a" and "s<k>b").
  int sends = 0;
  auto send_step = [&](bool fin, const char* part) {
    scenario::step p;
    p.k = scenario::step::kind::send;
    p.frame = sends % 2 == 0 ? scenario::peer_frame::kind::text : scenario::peer_frame::kind::binary;
    p.payload = "s" + std::to_string(sends) + part;
    p.fin = fin;
    return p;
  };
  for (action a : path) {
    scenario::step p;
    switch (a) {
      case action::read_frame: p.k = scenario::step::kind::read_frames; p.n = 1; break;
      case action::read_all: p.k = scenario::step::kind::read_all; break;
      case action::eof: p.k = scenario::step::kind::eof; break;
      case action::reset: p.k = scenario::step::kind::reset; break;
      case action::recv: p.k = scenario::step::kind::recv; break;
      case action::recv_zero: p.k = scenario::step::kind::recv; p.timeout = 0; break;
      case action::recv_timeout: p.k = scenario::step::kind::recv; p.timeout = 100; break;
      case action::streaming: p.k = scenario::step::kind::recv_streaming; break;
      case action::cancel: p.k = scenario::step::kind::cancel; break;
      case action::close: p.k = scenario::step::kind::close; p.code = 1000; break;
      case action::advance: p.k = scenario::step::kind::advance; p.n = 1000; break;
      case action::read_frame_and_advance: {
        scenario::step r;
        r.k = scenario::step::kind::read_frames;
        r.n = 1;
        r.same_turn_as_next = true;
        out.schedule.push_back(r);
        p.k = scenario::step::kind::advance;
        p.n = 1000;
        break;
      }
      case action::read_all_and_eof: {
        scenario::step r;
        r.k = scenario::step::kind::read_all;
        r.same_turn_as_next = true;
        out.schedule.push_back(r);
        p.k = scenario::step::kind::eof;
        break;
      }
      case action::send: p = send_step(true, ""); ++sends; break;
      case action::send_fragmented: {
        scenario::step first = send_step(false, "a");
        first.same_turn_as_next = true;
        out.schedule.push_back(first);
        p = send_step(true, "b");
        p.frame = scenario::peer_frame::kind::continuation;
        ++sends;
        break;
      }
      case action::send_and_close: {
        scenario::step first = send_step(true, "");
        first.same_turn_as_next = true;
        out.schedule.push_back(first);
        ++sends;
        p.k = scenario::step::kind::close;
        p.code = 1000;
        break;
      }
      case action::stall_writes: p.k = scenario::step::kind::stall_writes; break;
      case action::release_writes: p.k = scenario::step::kind::release_writes; break;
    }
    out.schedule.push_back(p);
  }
  return out;
}

}  // namespace lastword::model
