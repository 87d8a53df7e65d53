// Invariant S: messages sent before close are sent.
//
// The rule reads the consumer's send() calls (their frames come from the
// scenario's steps), the results they got, the data frames the
// implementation wrote and where its close frame went. It needs from the
// shared replay only when the input ended.
#include "lastword/history/rules/rules.hpp"

#include "lastword/wire/text.hpp"
#include "lastword/wire/utf8.hpp"

namespace lastword::history::rules {
namespace {

using scenario::peer_frame;

struct sent_message {
  bool text = true;
  std::string data;
  bool complete = false;
};

// Folds frames (kind, payload, fin) into messages, as the peer sees them.
class message_folder {
 public:
  void add(bool start, bool text, std::string_view payload, bool fin) {
    if (start || out_.empty() || out_.back().complete) out_.push_back({text, {}, false});
    out_.back().data += payload;
    out_.back().complete = fin;
    bytes_ += payload.size();
  }
  const std::vector<sent_message>& messages() const { return out_; }
  std::size_t bytes() const { return bytes_; }

 private:
  std::vector<sent_message> out_;
  std::size_t bytes_ = 0;
};

struct send_call {
  std::size_t id = 0, step = 0, event = 0;
  const scenario::step* p = nullptr;
  bool after_close = false;  // close() was called before it, or our close frame was written
  bool misuse = false;       // the consumer broke the send API's rules: it must fail
  std::optional<call_result::kind> result;
  std::size_t result_event = 0;
  std::size_t expected_bytes_through = 0;  // due bytes up to and including this one
};

std::string describe_send(const send_call& c) {
  static const char* names[] = {"text", "binary", "continuation", "ping", "pong", "close", "raw"};
  return "send #" + std::to_string(c.id) + " (" + names[static_cast<int>(c.p->frame)] + ' ' + wire::quoted(c.p->payload) +
         (c.p->fin ? "" : " more") + ")";
}

}  // namespace

void check_send(const context& cx, const flag_fn& flag) {
  const scenario::scenario& s = cx.s;
  const history& h = cx.h;
  std::map<std::size_t, std::size_t> close_calls;  // call id -> event index
  std::map<std::size_t, bool> close_refused;
  std::vector<send_call> sends;
  std::map<std::size_t, std::size_t> send_index;  // call id -> index in sends
  std::optional<std::size_t> our_close_event, transport_failed_event;
  for (std::size_t i = 0; i < h.events.size(); ++i) {
    const event& e = h.events[i];
    if (e.k == event::kind::call && e.what == call_kind::close) close_calls[e.call] = i;
    if (e.k == event::kind::result && close_calls.count(e.call) && e.result.k == call_result::kind::refused)
      close_refused[e.call] = true;
    if (e.k == event::kind::wrote && e.frame.op == wire::opcode::close && !our_close_event) our_close_event = i;
    if ((e.k == event::kind::transport_closed || e.k == event::kind::read_reset) && !transport_failed_event)
      transport_failed_event = i;
  }
  // The first close() that was not refused.
  std::optional<std::size_t> first_close_event;
  for (const auto& [id, ev] : close_calls)
    if (!close_refused.count(id) && (!first_close_event || ev < *first_close_event)) first_close_event = ev;

  // The consumer's sends in call order, and which of them are due: the
  // frames that must reach the peer before our close frame.
  bool message_open = false;
  wire::utf8_validator utf8;
  bool open_is_text = false;
  message_folder expected;
  for (std::size_t i = 0; i < h.events.size(); ++i) {
    const event& e = h.events[i];
    if (e.k == event::kind::call && e.what == call_kind::send && e.step < s.schedule.size()) {
      send_call c;
      c.id = e.call;
      c.step = e.step;
      c.event = i;
      c.p = &s.schedule[e.step];
      c.after_close = (first_close_event && *first_close_event < i) || (our_close_event && *our_close_event < i);
      const bool continuation = c.p->frame == peer_frame::kind::continuation;
      if (!c.after_close) {
        // Local misuse: a continuation with no message started, a new
        // message inside an unfinished one, text that is not UTF-8.
        wire::utf8_validator v = continuation ? utf8 : wire::utf8_validator{};
        const bool text = continuation ? open_is_text : c.p->frame == peer_frame::kind::text;
        c.misuse = continuation != message_open || (text && (!v.feed(c.p->payload) || (c.p->fin && !v.complete())));
        if (!c.misuse) {
          utf8 = v;
          open_is_text = text;
          message_open = !c.p->fin;
        }
      }
      send_index[c.id] = sends.size();
      sends.push_back(c);
    }
    if (e.k == event::kind::result && send_index.count(e.call)) {
      send_call& c = sends[send_index[e.call]];
      c.result = e.result.k;
      c.result_event = i;
    }
  }

  // A due send may fail only when the connection could no longer send:
  // the input had ended by its turn, or the transport failed first.
  auto may_fail = [&](const send_call& c) {
    if (c.after_close || c.misuse) return true;
    if (cx.input_ended && cx.turn(cx.input_end_step) <= cx.turn(c.step)) return true;
    return transport_failed_event && c.result && *transport_failed_event < c.result_event;
  };
  for (auto& c : sends) {
    if (c.result && *c.result != call_result::kind::sent && *c.result != call_result::kind::failed) {
      flag(invariant::S, c.step, describe_send(c) + " returned " + std::string(kind_name(*c.result)) +
                                     "; send() returns sent or failed");
      continue;
    }
    if ((c.after_close || c.misuse) && c.result == call_result::kind::sent) {
      flag(invariant::S, c.step, describe_send(c) + (c.after_close ? " was called after close() but" : " misused the API but") +
                                     " reported sent; it should fail and write nothing");
      continue;
    }
    // A send() that must fail (after close(), misused, or after the input
    // ended in an earlier turn) fails in its own turn: nothing it could
    // wait for would let it be written.
    const bool must_fail =
        c.after_close || c.misuse || (cx.input_ended && cx.turn(cx.input_end_step) < cx.turn(c.step));
    if (must_fail && (!c.result || cx.turn(h.events[c.result_event].step) > cx.turn(c.step))) {
      flag(invariant::S, c.result ? h.events[c.result_event].step : s.schedule.size(),
           describe_send(c) + " could only fail (called after close() or the end of input) but " +
               (c.result ? "failed only at step " + std::to_string(h.events[c.result_event].step + 1)
                         : std::string("never returned")) +
               "; it should fail at once");
      continue;
    }
    if (c.result == call_result::kind::failed && !may_fail(c)) {
      flag(invariant::S, c.step, describe_send(c) + " failed although the connection was open and close() was not called before it");
      continue;
    }
    // Due: its frame must reach the peer before our close frame. A send
    // that the transport failed stays due (its bytes may be partly out);
    // one that failed because the input had ended by its turn does not.
    const bool excused = c.result == call_result::kind::failed && cx.input_ended &&
                         cx.turn(cx.input_end_step) <= cx.turn(c.step);
    const bool due = !c.after_close && !c.misuse && !excused;
    if (due) {
      expected.add(c.p->frame != peer_frame::kind::continuation, c.p->frame == peer_frame::kind::text, c.p->payload,
                   c.p->fin);
      c.expected_bytes_through = expected.bytes();
    }
    if (!c.result && !cx.stalled_at_end && !transport_failed_event)
      flag(invariant::L, s.schedule.size(), describe_send(c) + " never completed, although writes were not stalled");
  }

  // What the implementation wrote before its close frame (or at all).
  message_folder written;
  std::vector<std::size_t> written_bytes_at(h.events.size() + 1, 0);  // data bytes written before event i
  for (std::size_t i = 0; i < h.events.size(); ++i) {
    written_bytes_at[i] = written.bytes();
    const event& e = h.events[i];
    if (e.k != event::kind::wrote || wire::is_control(e.frame.op)) continue;
    if (our_close_event && i > *our_close_event) continue;  // W judges frames after our close frame
    written.add(e.frame.op != wire::opcode::continuation, e.frame.op == wire::opcode::text, e.frame.payload, e.frame.fin);
  }
  written_bytes_at[h.events.size()] = written.bytes();

  // In order, each once, byte-identical, never interleaved: the written
  // messages are the due ones, or (when our close frame never went out) a
  // prefix of them.
  const auto& want = expected.messages();
  const auto& got = written.messages();
  const std::size_t at = our_close_event ? h.events[*our_close_event].step : s.schedule.size();
  auto show = [](const sent_message& m) {
    return std::string(m.text ? "text " : "binary ") + wire::quoted(m.data) + (m.complete ? "" : " (unfinished)");
  };
  for (std::size_t k = 0; k < got.size(); ++k) {
    const bool last = k + 1 == got.size();
    const bool fits = k < want.size() && got[k].text == want[k].text &&
                      (got[k].data == want[k].data ? got[k].complete == want[k].complete
                                                   : last && !got[k].complete && want[k].data.starts_with(got[k].data));
    if (!fits) {
      flag(invariant::S, at, "wrote message #" + std::to_string(k + 1) + " " + show(got[k]) +
                                 (k < want.size() ? ", but the consumer's message #" + std::to_string(k + 1) + " was " + show(want[k])
                                                  : ", which no send() before close() asked for (duplicated or invented)"));
      return;
    }
  }
  if (our_close_event) {
    const bool all = got.size() == want.size() && (got.empty() || got.back().data == want.back().data);
    if (!all) {
      const std::size_t k = got.size() < want.size() && (got.empty() || got.back().complete) ? got.size() : got.size() - 1;
      flag(invariant::S, at, "wrote its close frame before message #" + std::to_string(k + 1) + " " + show(want[k]) +
                                 ", whose send() was called before close(), was written");
      return;
    }
  }
  // sent only once written; close() returns only once the sends before it
  // were written, or the transport failed.
  for (const auto& c : sends) {
    if (c.result != call_result::kind::sent || c.after_close || c.misuse) continue;
    if (written_bytes_at[c.result_event] < c.expected_bytes_through) {
      flag(invariant::S, h.events[c.result_event].step, describe_send(c) + " reported sent before its frame was written");
      return;
    }
  }
  if (first_close_event) {
    // What close() owes: the sends called before it, unless they could
    // fail because the input had ended by their turn. A send the transport
    // failed is still owed until the transport failed.
    std::size_t due_before_close = 0;
    for (const auto& c : sends) {
      if (c.event > *first_close_event || c.after_close || c.misuse) continue;
      if (c.result == call_result::kind::failed && cx.input_ended && cx.turn(cx.input_end_step) <= cx.turn(c.step))
        continue;
      due_before_close += c.p->payload.size();
    }
    for (std::size_t i = *first_close_event; i < h.events.size(); ++i) {
      const event& e = h.events[i];
      if (e.k != event::kind::result || close_calls.count(e.call) == 0 || !e.final ||
          e.result.k != call_result::kind::closed)
        continue;
      const bool failed_first = transport_failed_event && *transport_failed_event < i;
      // A close() called while the connection was open owes its close
      // frame too: it returns only once that was written.
      const std::size_t close_step = h.events[*first_close_event].step;
      const bool frame_due = !cx.input_ended || cx.turn(cx.input_end_step) > cx.turn(close_step);
      if (!failed_first && frame_due && (!our_close_event || *our_close_event > i)) {
        flag(invariant::S, e.step, "close #" + std::to_string(e.call) +
                                       " returned before our close frame was written, and the transport had not failed");
        break;
      }
      if (!failed_first && written_bytes_at[i] < due_before_close)
        flag(invariant::S, e.step, "close #" + std::to_string(e.call) + " returned before the messages sent before it were written (" +
                                       std::to_string(written_bytes_at[i]) + " of " + std::to_string(due_before_close) +
                                       " payload bytes), and the transport had not failed");
      break;
    }
  }
}

}  // namespace lastword::history::rules
