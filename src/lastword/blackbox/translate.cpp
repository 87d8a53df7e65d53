#include "lastword/blackbox/translate.hpp"

#include <algorithm>

#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"

namespace lastword::blackbox {
namespace {

using history::call_kind;
using history::call_result;
using history::event;

struct logical_frame {
  wire::opcode op = wire::opcode::text;
  bool fin = true;
  std::size_t end = 0;  // offset after it in the uncompressed peer stream
};

std::vector<logical_frame> frames_of(const scenario::scenario& s, const std::string& bytes) {
  wire::frame_decoder d({s.role, s.opts.max_size, s.opts.max_size});
  std::string_view in(bytes);
  std::vector<logical_frame> out;
  wire::frame f;
  while (d.decode(in, f) == wire::frame_decoder::status::frame)
    out.push_back({f.op, f.fin, bytes.size() - in.size()});
  return out;
}

call_result to_result(const adapter_result& r, const observation& o) {
  call_result c;
  switch (r.k) {
    case adapter_result::kind::message:
      c.k = call_result::kind::message;
      c.text = r.text;
      c.data = r.data;
      break;
    case adapter_result::kind::timeout:
      c.k = call_result::kind::timeout;
      break;
    case adapter_result::kind::closed: {
      c.k = call_result::kind::closed;
      c.code = r.code;
      c.reason = r.reason;
      c.handshake_completed = r.clean;
      if (r.normal) {
        c.normal = *r.normal;
      } else {
        // An API without the OK/error distinction: a clean close with
        // normal codes both ways is normal (SPEC C).
        std::uint16_t ours = wire::close_code::abnormal_closure;
        for (const auto& f : o.frames)
          if (f.f.op == wire::opcode::close) {
            wire::close_payload p;
            (void)wire::parse_close_payload(f.f.payload, p);
            ours = p.code;
            break;
          }
        c.normal = r.clean && wire::is_normal_close_code(r.code) && wire::is_normal_close_code(ours);
      }
      break;
    }
    case adapter_result::kind::sent:         // not a recv() result
    case adapter_result::kind::unsupported:  // such runs are not judged
    case adapter_result::kind::error:
      // A recv() that failed with anything but ConnectionClosed: an end
      // status no endpoint reports, so C (and D, if messages were left)
      // judge it.
      c.k = call_result::kind::closed;
      c.code = 0;
      c.reason = "error: " + r.error;
      break;
  }
  return c;
}

}  // namespace

std::string not_observable(profile p) { return p == profile::events ? "TFXK" : "TF"; }

judged translate(const scenario::scenario& s, profile p, const plan& pl, const observation& o) {
  judged j;
  j.s.role = s.role;
  j.s.opts = s.opts;
  j.s.opts.deflate = j.s.opts.deflate_no_context_takeover = false;
  j.s.peer = s.peer;
  history::history& h = j.h;
  h.impl = "black box";

  // The consumer's calls: the judged schedule's first steps.
  struct call {
    call_kind what;
    std::optional<std::uint64_t> timeout;
    std::uint16_t code = 1000;
    std::string reason;
    std::optional<adapter_result> result;
    std::optional<std::uint64_t> at_us;  // when its result arrived
  };
  std::vector<call> calls;  // recv calls (and events) only
  std::optional<call> close_call;  // the consumer's first close()
  struct send {
    bool text = true;
    std::string data;
    std::optional<adapter_result> result;  // recv profile: sent or error
  };
  std::vector<send> sends;
  std::size_t sends_before_close = 0;
  if (p == profile::recv) {
    std::size_t r = 0;
    for (const auto& st : pl.consumer) {
      if (st.k == consumer_step::kind::sleep || st.k == consumer_step::kind::block) continue;
      std::optional<adapter_result> res;
      std::optional<std::uint64_t> at;
      if (r < o.results.size()) {
        if (r < o.result_us.size()) at = o.result_us[r];
        res = o.results[r++];
      }
      if (st.k == consumer_step::kind::send) {
        sends.push_back({st.text, st.data, res});
      } else if (st.k == consumer_step::kind::close) {
        if (!close_call) {
          close_call = call{call_kind::close, std::nullopt, st.code, st.reason, res, at};
          sends_before_close = sends.size();
        }
      } else {
        calls.push_back({call_kind::recv, st.timeout, st.code, st.reason, res, at});
      }
      // The adapter runs its steps in order: the first without a result
      // was still pending when the run ended, later ones never started.
      if (!res) break;
    }
  } else {
    bool closed = false;
    for (const auto& res : o.results) {
      // An error event precedes the close event; sends are not events.
      if (res.k == adapter_result::kind::error || res.k == adapter_result::kind::sent) continue;
      closed = closed || res.k == adapter_result::kind::closed;
      calls.push_back({call_kind::recv, std::nullopt, 1000, {}, res, {}});
    }
    // A close event never came: one recv is left waiting (L).
    if (!closed) calls.push_back({call_kind::recv, std::nullopt, 1000, {}, std::nullopt, {}});
    for (const auto& st : pl.consumer) {
      if (st.k == consumer_step::kind::send) sends.push_back({st.text, st.data, std::nullopt});
      if (st.k == consumer_step::kind::close && !close_call) {
        close_call = call{call_kind::close, std::nullopt, st.code, st.reason, {}, {}};
        sends_before_close = sends.size();
        // close() itself has no result: the close event is its status.
        for (const auto& c : calls)
          if (c.result && c.result->k == adapter_result::kind::closed && !close_call->result) close_call->result = c.result;
      }
    }
  }
  if (!close_call) sends_before_close = sends.size();
  auto add_step = [&](scenario::step st) {
    j.s.schedule.push_back(std::move(st));
    return j.s.schedule.size() - 1;
  };
  std::optional<std::size_t> close_step;
  std::vector<std::size_t> send_step(sends.size());
  auto add_send_steps = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      scenario::step st;
      st.k = scenario::step::kind::send;
      st.frame = sends[i].text ? scenario::peer_frame::kind::text : scenario::peer_frame::kind::binary;
      st.payload = sends[i].data;
      send_step[i] = add_step(st);
    }
  };
  add_send_steps(0, sends_before_close);
  if (close_call) {
    scenario::step st;
    st.k = scenario::step::kind::close;
    st.code = close_call->code;
    st.reason = close_call->reason;
    close_step = add_step(st);
  }
  add_send_steps(sends_before_close, sends.size());
  // When the end of input reached the implementation: lastword's write
  // that completed its close frame, its FIN, or its reset.
  std::optional<std::uint64_t> end_us = o.fin_us;
  if (o.reset_us && (!end_us || *o.reset_us < *end_us)) end_us = o.reset_us;
  for (std::size_t k = 0; k < s.peer.size() && k < o.stream_frame_ends.size(); ++k) {
    if (s.peer[k].k != scenario::peer_frame::kind::close) continue;
    for (const auto& w : o.writes)
      if (w.to >= o.stream_frame_ends[k]) {
        if (!end_us || w.us < *end_us) end_us = w.us;
        break;
      }
    break;
  }
  // Calls from the first timeout that expired well after the end on are
  // judged as called after the end (their steps follow the end's).
  std::size_t late_from = calls.size();
  if (end_us)
    for (std::size_t i = 0; i < calls.size(); ++i)
      if (calls[i].result && calls[i].result->k == adapter_result::kind::timeout && calls[i].at_us &&
          *calls[i].at_us > *end_us + end_seen_margin_us) {
        late_from = i;
        break;
      }
  std::vector<std::size_t> step_of(calls.size());
  auto add_call_steps = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const call& c = calls[i];
      scenario::step st;
      st.k = c.what == call_kind::recv ? scenario::step::kind::recv : scenario::step::kind::close;
      st.timeout = c.timeout;
      st.code = c.code;
      st.reason = c.reason;
      step_of[i] = add_step(st);
    }
  };
  add_call_steps(0, late_from);
  scenario::step read_all;
  read_all.k = scenario::step::kind::read_all;
  const std::size_t read_step = add_step(read_all);

  // What the implementation was given, in the uncompressed stream.
  const std::string logical = scenario::encode_peer(j.s).bytes;
  const auto lframes = frames_of(j.s, logical);
  auto to_logical = [&](std::size_t to) -> std::size_t {
    if (!o.deflate) return to;
    // A compressed stream has the same frames in the same order: map the
    // frames written completely.
    std::size_t k = 0;
    while (k < o.stream_frame_ends.size() && o.stream_frame_ends[k] <= to) ++k;
    if (k == o.stream_frame_ends.size()) return logical.size();
    return k == 0 ? 0 : (k <= lframes.size() ? lframes[k - 1].end : logical.size());
  };
  const std::size_t given = o.writes.empty() ? 0 : to_logical(o.writes.back().to);

  // Ends that travel behind the data make everything given count as
  // received; otherwise only the in-order prefix that was delivered.
  const bool certain = o.all_written && !o.reset_us && !o.implementation_closed_first;
  std::size_t cut = given;
  if (!certain) {
    std::vector<std::pair<bool, std::string>> given_msgs;
    std::vector<std::size_t> ends;
    std::string partial;
    bool text = true;
    std::string_view in = std::string_view(logical).substr(0, given);
    wire::frame_decoder d({j.s.role, j.s.opts.max_size, j.s.opts.max_size});
    wire::frame f;
    std::optional<std::size_t> close_end;
    while (d.decode(in, f) == wire::frame_decoder::status::frame) {
      const std::size_t at = given - in.size();
      if (f.op == wire::opcode::close) {
        close_end = at;
        break;
      }
      if (wire::is_control(f.op)) continue;
      if (f.op != wire::opcode::continuation) {
        partial.clear();
        text = f.op == wire::opcode::text;
      }
      partial += f.payload;
      if (f.fin) {
        given_msgs.emplace_back(text, partial);
        ends.push_back(at);
      }
    }
    std::size_t k = 0;
    std::optional<adapter_result> closed;
    for (const auto& c : calls) {
      if (!c.result) continue;
      if (c.result->k == adapter_result::kind::closed && !closed) closed = c.result;
      if (c.result->k != adapter_result::kind::message) continue;
      if (k < given_msgs.size() && given_msgs[k].first == c.result->text && given_msgs[k].second == c.result->data) ++k;
      else break;
    }
    cut = k == 0 ? 0 : ends[k - 1];
    // Control frames behind the last message delivered (pings it may have
    // answered) go with it; the close frame too, when every message came
    // and the implementation reported the close frame's code.
    for (const auto& lf : lframes) {
      if (lf.end <= cut) continue;
      if (lf.end > given) break;
      if (lf.op == wire::opcode::ping || lf.op == wire::opcode::pong) {
        cut = lf.end;
        continue;
      }
      if (lf.op == wire::opcode::close && k == given_msgs.size() && closed) {
        wire::close_payload cp;
        std::string payload = logical.substr(cut, lf.end - cut);
        std::string_view pin(payload);
        wire::frame_decoder d2({j.s.role, j.s.opts.max_size, j.s.opts.max_size});
        wire::frame cf;
        if (d2.decode(pin, cf) == wire::frame_decoder::status::frame) (void)wire::parse_close_payload(cf.payload, cp);
        if (cp.code == closed->code) cut = lf.end;
      }
      break;
    }
  }

  // History: our close() call first (so that an echo of its code is
  // allowed), then lastword's writes and the implementation's frames by
  // time, then the end of the transport, then the consumer's results.
  // Call ids: 0 for close(), 1.. for recv calls, then the sends.
  std::size_t next_call = 1;
  const std::size_t first_send_id = calls.size() + 1;
  auto send_call_event = [&](std::size_t i) {
    event e;
    e.k = event::kind::call;
    e.step = send_step[i];
    e.call = first_send_id + i;
    e.what = call_kind::send;
    h.events.push_back(e);
  };
  for (std::size_t i = 0; i < sends_before_close; ++i) send_call_event(i);
  if (close_call) {
    event e;
    e.k = event::kind::call;
    e.step = *close_step;
    e.call = 0;
    e.what = call_kind::close;
    h.events.push_back(e);
  }
  for (std::size_t i = sends_before_close; i < sends.size(); ++i) send_call_event(i);
  // A send reports sent once its message was written: its result goes
  // right behind the frame that completed the message (in order).
  std::vector<bool> send_result_done(sends.size(), false);
  std::size_t written_messages = 0;
  auto send_result_event = [&](std::size_t i, call_result::kind k) {
    event e;
    e.k = event::kind::result;
    e.step = send_step[i];
    e.call = first_send_id + i;
    e.what = call_kind::send;
    e.result.k = k;
    h.events.push_back(e);
    send_result_done[i] = true;
  };
  std::size_t wi = 0, fi = 0, at = 0;
  while (wi < o.writes.size() || fi < o.frames.size()) {
    const bool take_write = wi < o.writes.size() && (fi >= o.frames.size() || o.writes[wi].us <= o.frames[fi].us);
    event e;
    e.step = read_step;
    if (take_write) {
      const std::size_t to = std::min(cut, to_logical(o.writes[wi].to));
      e.time_ms = o.writes[wi].us / 1000;
      ++wi;
      if (to <= at) continue;
      e.k = event::kind::read;
      e.offset = at;
      e.bytes = to - at;
      at = to;
    } else {
      e.k = event::kind::wrote;
      e.time_ms = o.frames[fi].us / 1000;
      e.frame = o.frames[fi].f;
      ++fi;
    }
    const bool completes = e.k == event::kind::wrote && !wire::is_control(e.frame.op) && e.frame.fin;
    h.events.push_back(std::move(e));
    if (completes && written_messages < sends.size()) {
      const std::size_t i = written_messages++;
      const bool sent = p == profile::events || (sends[i].result && sends[i].result->k == adapter_result::kind::sent);
      if (sent) send_result_event(i, call_result::kind::sent);
    }
  }
  if (o.wrote_invalid) {
    event e;
    e.k = event::kind::wrote_invalid;
    e.step = read_step;
    h.events.push_back(e);
  }
  if (!certain || o.reset_us || o.fin_us) {
    scenario::step end;
    end.k = certain && !o.reset_us ? scenario::step::kind::eof : scenario::step::kind::reset;
    event e;
    e.k = end.k == scenario::step::kind::eof ? event::kind::read_eof : event::kind::read_reset;
    e.step = add_step(end);
    h.events.push_back(e);
  }
  add_call_steps(late_from, calls.size());
  if (o.implementation_fin) {
    event e;
    e.k = event::kind::output_shutdown;
    e.step = j.s.schedule.size();
    h.events.push_back(e);
  }
  // The other sends: sent but never written, or failed.
  for (std::size_t i = 0; i < sends.size(); ++i) {
    if (send_result_done[i]) continue;
    if (p == profile::events) {
      send_result_event(i, call_result::kind::failed);  // its message never reached the peer
    } else if (sends[i].result) {
      send_result_event(i, sends[i].result->k == adapter_result::kind::sent ? call_result::kind::sent
                                                                            : call_result::kind::failed);
    }
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    event c;
    c.k = event::kind::call;
    c.step = step_of[i];
    c.call = next_call;
    c.what = calls[i].what;
    c.timeout_ms = calls[i].timeout;
    h.events.push_back(c);
    if (calls[i].result) {
      event r = c;
      r.k = event::kind::result;
      r.result = to_result(*calls[i].result, o);
      r.final = true;
      h.events.push_back(r);
    }
    ++next_call;
  }
  if (close_call && close_call->result) {
    event r;
    r.k = event::kind::result;
    r.step = *close_step;
    r.call = 0;
    r.what = call_kind::close;
    r.result = to_result(*close_call->result, o);
    h.events.push_back(r);
  }
  h.steps.assign(j.s.schedule.size() + 1, history::step_end{});
  for (const auto& lf : lframes)
    if (lf.end <= at && lf.fin && (lf.op == wire::opcode::text || lf.op == wire::opcode::binary ||
                                   lf.op == wire::opcode::continuation))
      ++j.expected;
  for (const auto& c : calls)
    if (c.result && c.result->k == adapter_result::kind::message) ++j.delivered;
  return j;
}

}  // namespace lastword::blackbox
