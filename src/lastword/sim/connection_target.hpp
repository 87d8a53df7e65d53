// lastword/sim/connection_target.hpp: any io::connection over sim::stream,
// as a simulation target. Conn is io::connection<sim::stream, sim::timer>
// or a regression variant derived from it.
#pragma once

#include "lastword/asio/connection.hpp"
#include "lastword/sim/target.hpp"

namespace lastword::io {
extern template class connection<sim::stream, sim::timer>;
}  // namespace lastword::io

namespace lastword::sim {

using sim_connection = io::connection<stream, timer>;

io::connection_options connection_options_for(const scenario::scenario& s);
history::call_result to_call_result(const io::recv_result& r);
history::call_result to_call_result(const protocol::close_status& s);

// What every connection target does, compiled once (connection_target.cpp):
// the calls, spawned on the connection's executor. Only the connection's
// type differs between targets, and it is reached through the base class
// (its seams are virtual), so the coroutine machinery is instantiated once,
// not once per variant.
class connection_target_base : public target {
 public:
  stream& transport() override;
  void start() override;
  void recv(std::optional<std::uint64_t> timeout_ms, boost::asio::cancellation_slot slot, done_fn done) override;
  void recv_streaming(boost::asio::cancellation_slot slot, done_fn done) override;
  void close(std::uint16_t code, std::string reason, boost::asio::cancellation_slot slot, done_fn done) override;
  void send(scenario::peer_frame::kind frame, std::string payload, bool fin, done_fn done) override;
  void abort() override;

 protected:
  // The masking keys of every target: 1, 2, 3, ... in the first byte.
  static wire::mask_source masks();
  virtual sim_connection& connection() = 0;
};

template <class Conn>
class connection_target final : public connection_target_base {
 public:
  connection_target(boost::asio::io_context& ioc, const scenario::scenario& s)
      : conn_(stream(ioc.get_executor()), connection_options_for(s), masks()) {}

 protected:
  sim_connection& connection() override { return conn_; }

 private:
  Conn conn_;
};

}  // namespace lastword::sim
