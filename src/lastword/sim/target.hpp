// lastword/sim/target.hpp: an implementation under test, in the simulation.
//
// A target owns an implementation running over a sim::stream on the
// driver's io_context, and turns the scenario's consumer steps into calls.
// Every call reports its results through `done` (final = the call ended);
// per-call cancellation arrives through the given slot.
#pragma once

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>

#include "lastword/history/history.hpp"
#include "lastword/scenario/scenario.hpp"
#include "lastword/sim/clock.hpp"
#include "lastword/sim/stream.hpp"
#include "lastword/sim/timer.hpp"

namespace lastword::sim {

class target {
 public:
  using done_fn = std::function<void(history::call_result result, bool final)>;

  virtual ~target() = default;
  virtual stream& transport() = 0;
  virtual void start() = 0;
  virtual void recv(std::optional<std::uint64_t> timeout_ms, boost::asio::cancellation_slot slot, done_fn done) = 0;
  virtual void recv_streaming(boost::asio::cancellation_slot slot, done_fn done) = 0;
  virtual void close(std::uint16_t code, std::string reason, boost::asio::cancellation_slot slot, done_fn done) = 0;
  // send(): one frame of the consumer's own message (`frame` is text,
  // binary or continuation; fin ends the message). `done` reports sent
  // once the frame was written to the transport, or failed.
  virtual void send(scenario::peer_frame::kind frame, std::string payload, bool fin, done_fn done) = 0;
  // Ends everything (the driver's teardown).
  virtual void abort() = 0;
  // Non-empty when the run asked for something the implementation cannot
  // express (say, a second concurrent recv() on a library that forbids it):
  // the history is then not applicable, neither a pass nor a failure.
  virtual std::string not_applicable() const { return {}; }
};

using target_factory =
    std::function<std::unique_ptr<target>(boost::asio::io_context& ioc, const scenario::scenario& s)>;

// Runs the scenario on a fresh target and records its history. The run is a
// pure function of the scenario and the target.
history::history run(const scenario::scenario& s, const target_factory& make, std::string impl_name);
// The same, with the peer stream already encoded (REQUIRES: peer is
// scenario::encode_peer(s)), so that the run and its judgement share it.
history::history run(const scenario::scenario& s, const scenario::peer_bytes& peer, const target_factory& make,
                     std::string impl_name);

}  // namespace lastword::sim
