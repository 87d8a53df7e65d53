// lastword/sim/connection_target.hpp: any io::connection over sim::stream,
// as a simulation target. Conn is io::connection<sim::stream, sim::timer>
// or a regression variant derived from it.
#pragma once

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include "lastword/asio/impl/connection.hpp"
#include "lastword/sim/target.hpp"

namespace lastword::io {
extern template class connection<sim::stream, sim::timer>;
}  // namespace lastword::io

namespace lastword::sim {

using sim_connection = io::connection<stream, timer>;

io::connection_options connection_options_for(const scenario::scenario& s);
history::call_result to_call_result(const io::recv_result& r);
history::call_result to_call_result(const protocol::close_status& s);

template <class Conn>
class connection_target final : public target {
 public:
  connection_target(boost::asio::io_context& ioc, const scenario::scenario& s)
      : conn_(stream(ioc.get_executor()), connection_options_for(s), [n = std::uint32_t{0}]() mutable {
          ++n;
          return wire::mask_key{static_cast<std::uint8_t>(n), 0x11, 0x22, 0x33};
        }) {}

  stream& transport() override { return conn_.stream(); }
  void start() override { conn_.start(); }

  void recv(std::optional<std::uint64_t> timeout_ms, boost::asio::cancellation_slot slot, done_fn done) override {
    std::optional<std::chrono::milliseconds> t;
    if (timeout_ms) t = std::chrono::milliseconds(*timeout_ms);
    boost::asio::co_spawn(conn_.stream().get_executor(), conn_.recv(t),
                          boost::asio::bind_cancellation_slot(slot, [done](std::exception_ptr e, io::recv_result r) {
                            io::detail::rethrow(e);
                            done(to_call_result(r), true);
                          }));
  }

  void recv_streaming(boost::asio::cancellation_slot slot, done_fn done) override {
    auto on_fragment = [done](const assembler::fragment& f) {
      history::call_result r;
      r.k = history::call_result::kind::fragment;
      r.text = f.text;
      r.fin = f.fin;
      r.data = f.data;
      done(std::move(r), false);
    };
    boost::asio::co_spawn(conn_.stream().get_executor(), conn_.recv_streaming(on_fragment),
                          boost::asio::bind_cancellation_slot(slot, [done](std::exception_ptr e, io::recv_result r) {
                            io::detail::rethrow(e);
                            done(to_call_result(r), true);
                          }));
  }

  void close(std::uint16_t code, std::string reason, boost::asio::cancellation_slot slot, done_fn done) override {
    boost::asio::co_spawn(conn_.stream().get_executor(), conn_.close(code, std::move(reason)),
                          boost::asio::bind_cancellation_slot(slot, [done](std::exception_ptr e, io::recv_result r) {
                            io::detail::rethrow(e);
                            done(to_call_result(r), true);
                          }));
  }

  void send(scenario::peer_frame::kind frame, std::string payload, bool fin, done_fn done) override {
    const wire::opcode op = frame == scenario::peer_frame::kind::text     ? wire::opcode::text
                            : frame == scenario::peer_frame::kind::binary ? wire::opcode::binary
                                                                          : wire::opcode::continuation;
    boost::asio::co_spawn(conn_.stream().get_executor(), conn_.send(op, std::move(payload), fin),
                          [done](std::exception_ptr e, io::recv_result r) {
                            io::detail::rethrow(e);
                            done(to_call_result(r), true);
                          });
  }

  void abort() override { conn_.abort(); }

 private:
  Conn conn_;
};

}  // namespace lastword::sim
