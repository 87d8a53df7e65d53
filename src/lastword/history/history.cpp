#include "lastword/history/history.hpp"

#include <cstdio>

#include "lastword/wire/close.hpp"
#include "lastword/wire/text.hpp"

namespace lastword::history {
namespace {

std::string quote(std::string_view s) { return wire::quoted(s, 48); }

std::string describe_result(const call_result& r) {
  switch (r.k) {
    case call_result::kind::message:
      return std::string(r.text ? "message text " : "message binary ") + quote(r.data);
    case call_result::kind::fragment:
      return std::string("fragment ") + quote(r.data) + (r.fin ? " (final)" : " (more)");
    case call_result::kind::closed: {
      std::string s = "ConnectionClosed " + std::to_string(r.code);
      if (!r.reason.empty()) s += ' ' + quote(r.reason);
      s += r.handshake_completed ? ", handshake completed" : ", handshake not completed";
      s += r.normal ? " (normal)" : " (error)";
      return s;
    }
    case call_result::kind::timeout: return "timeout";
    case call_result::kind::cancelled: return "cancelled";
    case call_result::kind::busy: return "concurrency error (another call is pending)";
    case call_result::kind::refused: return "refused (a close code or reason that may not be sent)";
    case call_result::kind::sent: return "sent (its frame was written)";
    case call_result::kind::failed: return "send failed (nothing written)";
  }
  return "?";
}

std::string describe_frame(const wire::frame& f) {
  std::string s(wire::opcode_name(f.op));
  if (f.op == wire::opcode::close) {
    wire::close_payload p;
    if (!wire::parse_close_payload(f.payload, p)) {
      s += p.code == wire::close_code::no_status_received ? " (no code)" : ' ' + std::to_string(p.code);
      if (!p.reason.empty()) s += ' ' + quote(p.reason);
    }
    return s;
  }
  if (!f.fin) s += " (more)";
  return s + ' ' + quote(f.payload);
}

// The peer frames whose bytes end inside [offset, offset+bytes).
std::string frames_in(const scenario::scenario& s, const scenario::peer_bytes& pb, std::size_t offset,
                      std::size_t bytes) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < pb.frame_ends.size(); ++i) {
    const std::size_t end = pb.frame_ends[i];
    if (end > offset && end <= offset + bytes) {
      const auto& f = s.peer[i];
      static const char* names[] = {"text", "binary", "continuation", "ping", "pong", "close", "raw"};
      out += out.empty() ? "" : ", ";
      out += names[static_cast<int>(f.k)];
      if (f.k == scenario::peer_frame::kind::close) {
        if (f.code) out += ' ' + std::to_string(*f.code);
      } else {
        out += ' ' + quote(f.payload);
      }
      if (start < offset) out += " (rest)";
    }
    start = end;
  }
  return out.empty() ? "part of a frame" : out;
}

}  // namespace

std::string_view kind_name(call_result::kind k) noexcept {
  switch (k) {
    case call_result::kind::message: return "message";
    case call_result::kind::fragment: return "fragment";
    case call_result::kind::closed: return "closed";
    case call_result::kind::timeout: return "timeout";
    case call_result::kind::cancelled: return "cancelled";
    case call_result::kind::busy: return "busy";
    case call_result::kind::refused: return "refused";
    case call_result::kind::sent: return "sent";
    case call_result::kind::failed: return "failed";
  }
  return "?";
}

std::string_view call_name(call_kind k) noexcept {
  switch (k) {
    case call_kind::recv: return "recv";
    case call_kind::recv_streaming: return "recv-streaming";
    case call_kind::close: return "close";
    case call_kind::send: return "send";
  }
  return "?";
}

std::string timeline(const scenario::scenario& s, const history& h) {
  const scenario::peer_bytes pb = scenario::encode_peer(s);
  std::string out;
  char line[64];
  std::size_t next_step = 0;  // the next schedule step to show
  bool end_shown = false;
  auto show_steps_until = [&](std::size_t step, std::uint64_t t) {
    for (; next_step <= step && next_step < s.schedule.size(); ++next_step) {
      std::string text = scenario::print(scenario::scenario{s.role, {}, {}, {s.schedule[next_step]}});
      text = text.substr(text.find('\n') + 1);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == ';')) text.pop_back();
      std::snprintf(line, sizeof line, "%4zu  %6llums  ", next_step + 1, static_cast<unsigned long long>(t));
      out += line;
      out += "schedule  " + text + "\n";
    }
    if (step >= s.schedule.size() && !end_shown) {
      end_shown = true;
      std::snprintf(line, sizeof line, " end  %6llums  ", static_cast<unsigned long long>(t));
      out += line;
      out += "schedule  (time passes until nothing is pending)\n";
    }
  };
  auto row = [&](std::size_t step, std::uint64_t t, const char* actor, const std::string& what) {
    show_steps_until(step, t);
    std::snprintf(line, sizeof line, "                %-9s ", actor);
    out += line;
    out += what + "\n";
  };
  for (const auto& e : h.events) {
    switch (e.k) {
      case event::kind::read:
        row(e.step, e.time_ms, "impl", "read " + std::to_string(e.bytes) + " bytes: " + frames_in(s, pb, e.offset, e.bytes));
        break;
      case event::kind::read_eof: row(e.step, e.time_ms, "impl", "read EOF"); break;
      case event::kind::read_reset: row(e.step, e.time_ms, "impl", "read a connection reset"); break;
      case event::kind::call: {
        std::string what(call_name(e.what));
        if (e.what == call_kind::send && e.step < s.schedule.size()) {
          const scenario::step& p = s.schedule[e.step];
          static const char* names[] = {"text", "binary", "continuation", "ping", "pong", "close", "raw"};
          what += std::string(" ") + names[static_cast<int>(p.frame)] + ' ' + quote(p.payload) + (p.fin ? "" : " (more)");
        }
        if (e.timeout_ms) what += " (timeout " + std::to_string(*e.timeout_ms) + " ms)";
        row(e.step, e.time_ms, "consumer", what + " #" + std::to_string(e.call) + " called");
        break;
      }
      case event::kind::result:
        row(e.step, e.time_ms, "consumer", "#" + std::to_string(e.call) + " -> " + describe_result(e.result));
        break;
      case event::kind::wrote: row(e.step, e.time_ms, "impl", "wrote " + describe_frame(e.frame)); break;
      case event::kind::wrote_invalid: row(e.step, e.time_ms, "impl", "wrote bytes that are not a frame"); break;
      case event::kind::output_shutdown: row(e.step, e.time_ms, "impl", "shut down its output (TCP FIN)"); break;
      case event::kind::transport_closed: row(e.step, e.time_ms, "impl", "dropped the transport"); break;
    }
  }
  show_steps_until(s.schedule.size(), h.events.empty() ? 0 : h.events.back().time_ms);
  return out;
}

}  // namespace lastword::history
