// The simulation's instantiation of io::connection, and result conversion.
#include "lastword/sim/connection_target.hpp"

namespace lastword::io {
template class connection<sim::stream, sim::timer>;
}  // namespace lastword::io

namespace lastword::sim {

io::connection_options connection_options_for(const scenario::scenario& s) {
  io::connection_options o;
  o.role = s.role;
  o.max_size = s.opts.max_size;
  o.flow.high = s.opts.high;
  o.flow.low = s.opts.low;
  o.close_timeout = std::chrono::milliseconds(s.opts.close_timeout_ms);
  // In the simulation the upgrade is not played: the parameters are agreed.
  o.deflate = scenario::deflate_params(s.opts);
  return o;
}

history::call_result to_call_result(const protocol::close_status& s) {
  history::call_result r;
  r.k = history::call_result::kind::closed;
  r.code = s.code;
  r.reason = s.reason;
  r.handshake_completed = s.handshake_completed;
  r.normal = s.normal;
  return r;
}

history::call_result to_call_result(const io::recv_result& in) {
  history::call_result r;
  switch (in.k) {
    case io::recv_result::kind::message:
      r.k = history::call_result::kind::message;
      r.text = in.msg.text;
      r.data = in.msg.data;
      return r;
    case io::recv_result::kind::closed: return to_call_result(in.status);
    case io::recv_result::kind::timeout: r.k = history::call_result::kind::timeout; return r;
    case io::recv_result::kind::cancelled: r.k = history::call_result::kind::cancelled; return r;
    case io::recv_result::kind::busy: r.k = history::call_result::kind::busy; return r;
    case io::recv_result::kind::refused: r.k = history::call_result::kind::refused; return r;
    case io::recv_result::kind::sent: r.k = history::call_result::kind::sent; return r;
    case io::recv_result::kind::failed: r.k = history::call_result::kind::failed; return r;
  }
  return r;
}

}  // namespace lastword::sim
