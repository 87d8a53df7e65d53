// The simulation's instantiation of io::connection, the calls of every
// connection target, and result conversion.
#include "lastword/sim/connection_target.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include "lastword/asio/impl/connection.hpp"

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

stream& connection_target_base::transport() { return connection().stream(); }
void connection_target_base::start() { connection().start(); }
void connection_target_base::abort() { connection().abort(); }

wire::mask_source connection_target_base::masks() {
  return [n = std::uint32_t{0}]() mutable {
    ++n;
    return wire::mask_key{static_cast<std::uint8_t>(n), 0x11, 0x22, 0x33};
  };
}

namespace {
// The completion of a call: its one result, final.
auto completion(target::done_fn done) {
  return [done = std::move(done)](std::exception_ptr e, io::recv_result r) {
    io::detail::rethrow(e);
    done(to_call_result(r), true);
  };
}
}  // namespace

void connection_target_base::recv(std::optional<std::uint64_t> timeout_ms, boost::asio::cancellation_slot slot,
                                  done_fn done) {
  std::optional<std::chrono::milliseconds> t;
  if (timeout_ms) t = std::chrono::milliseconds(*timeout_ms);
  auto& c = connection();
  boost::asio::co_spawn(c.stream().get_executor(), c.recv(t),
                        boost::asio::bind_cancellation_slot(slot, completion(std::move(done))));
}

void connection_target_base::recv_streaming(boost::asio::cancellation_slot slot, done_fn done) {
  auto on_fragment = [done](const assembler::fragment& f) {
    history::call_result r;
    r.k = history::call_result::kind::fragment;
    r.text = f.text;
    r.fin = f.fin;
    r.data = f.data;
    done(std::move(r), false);
  };
  auto& c = connection();
  boost::asio::co_spawn(c.stream().get_executor(), c.recv_streaming(on_fragment),
                        boost::asio::bind_cancellation_slot(slot, completion(std::move(done))));
}

void connection_target_base::close(std::uint16_t code, std::string reason, boost::asio::cancellation_slot slot,
                                   done_fn done) {
  auto& c = connection();
  boost::asio::co_spawn(c.stream().get_executor(), c.close(code, std::move(reason)),
                        boost::asio::bind_cancellation_slot(slot, completion(std::move(done))));
}

void connection_target_base::send(scenario::peer_frame::kind frame, std::string payload, bool fin, done_fn done) {
  const wire::opcode op = frame == scenario::peer_frame::kind::text     ? wire::opcode::text
                          : frame == scenario::peer_frame::kind::binary ? wire::opcode::binary
                                                                        : wire::opcode::continuation;
  auto& c = connection();
  boost::asio::co_spawn(c.stream().get_executor(), c.send(op, std::move(payload), fin), completion(std::move(done)));
}

}  // namespace lastword::sim
