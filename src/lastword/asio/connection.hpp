// lastword/asio/connection.hpp: the WebSocket connection on Boost.Asio.
//
// A connection runs the Sans-I/O protocol and the message assembler over any
// Asio AsyncStream (a TCP socket, or sim::stream in the simulation), with
// C++20 coroutines. The reader coroutine feeds received bytes to the
// protocol, puts data frames into the assembler, writes what the protocol
// answers (pongs, the close echo) and ends the assembler's input once. The
// consumer calls recv(), recv_streaming() and close(); per-operation
// cancellation reaches them through Asio's cancellation slots.
//
// Timer is the timer type (boost::asio::steady_timer, or a timer on
// sim::clock); both come from the stream's executor.
//
// The reference behaviour is spread over a few small virtual functions
// ("seams"). Each regression variant in impls/ overrides one of them; the
// reference itself has no variant branches.
//
// Thread rule: all members run on the stream's executor (one strand).
// REQUIRES: the connection outlives every operation it started; abort() and
// draining the executor end them.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "lastword/assembler/assembler.hpp"
#include "lastword/protocol/connection.hpp"

namespace lastword::io {

struct connection_options {
  wire::role role = wire::role::client;
  std::uint64_t max_size = wire::default_max_message_size;
  assembler::options flow;
  std::chrono::milliseconds close_timeout{1000};
  // permessage-deflate (RFC 7692). For the TCP handshakes: set, to offer
  // (client) or accept (server) it; they replace it with what was agreed.
  std::optional<wire::deflate_params> deflate;
};

// The result of one consumer call. `closed` is ConnectionClosed: it carries
// how the connection ended (SPEC C).
struct recv_result {
  // refused: close() with a code or reason that may not be sent; nothing
  // was sent and nothing changed.
  // sent: send()'s frame was written; failed: send() wrote nothing.
  enum class kind { message, closed, timeout, cancelled, busy, refused, sent, failed };
  kind k = kind::closed;
  assembler::message msg;          // kind::message
  protocol::close_status status;   // kind::closed
};


namespace detail {
// Exceptions escaping a connection's coroutines are bugs: rethrow them from
// the io_context's run()/poll() rather than losing them.
inline void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

}  // namespace detail

template <class Stream, class Timer>
class connection {
 public:
  using duration = std::chrono::milliseconds;
  using fragment_handler = std::function<void(const assembler::fragment&)>;

  connection(Stream stream, connection_options opts, wire::mask_source masks);
  virtual ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Spawns the reader coroutine. Call once. `already_received`: bytes read
  // from the stream before (after the HTTP upgrade), processed first.
  void start(std::string already_received = {});

  // The next message; closed once every received message was returned.
  // timeout: none waits as long as needed; zero returns a queued message
  // or kind::timeout at once.
  boost::asio::awaitable<recv_result> recv(std::optional<duration> timeout = std::nullopt);
  // Streams the next message fragment by fragment to `on_fragment`, and
  // returns kind::message (with nothing in msg) after the final fragment,
  // or closed / cancelled / busy. A cancelled call gives its fragments back.
  boost::asio::awaitable<recv_result> recv_streaming(fragment_handler on_fragment);
  // Starts the closing handshake and waits until the transport has ended,
  // at most the close timeout after the close frame was sent: kind::closed
  // with the status, or kind::cancelled (the handshake goes on); a code or
  // reason that may not be sent is kind::refused at once.
  boost::asio::awaitable<recv_result> close(std::uint16_t code = 1000, std::string reason = {});
  // Sends one frame of the consumer's message (op: text, binary, or
  // continuation; fin ends the message) and waits until it was written:
  // kind::sent, or kind::failed when it could not be (after close(), local
  // misuse, or the transport failed first). The frame takes its place in
  // the write order when the call starts, so a close() called later writes
  // its close frame after it (SPEC S).
  boost::asio::awaitable<recv_result> send(wire::opcode op, std::string payload, bool fin = true);
  // Local misuse returns an error (protocol::misuse) and sends nothing.
  std::error_code send_text(std::string_view payload, bool fin = true);
  std::error_code send_binary(std::string_view payload, bool fin = true);
  std::error_code send_continuation(std::string_view payload, bool fin);
  std::error_code ping(std::string_view payload = {});
  // Drops the transport at once; pending calls end with closed (1006).
  void abort();

  bool finished() const noexcept { return reader_done_; }
  protocol::close_status status() const { return final_status(); }
  Stream& stream() noexcept { return stream_; }
  // permessage-deflate is in use (negotiated in the upgrade).
  bool compression() const noexcept { return protocol_.compression(); }

 protected:
  // --- seams: what a regression variant may do differently -------------
  // A data frame the protocol received (before the end of input).
  virtual void deliver_frame(wire::frame&& f);
  // The peer's close frame was parsed: the input ended.
  virtual void on_close_frame();
  // The transport ended (EOF, reset, or our abort).
  virtual void on_transport_end();
  // Ends the assembler's input (once) and wakes the waiters.
  virtual void end_input();
  // Takes a whole message from the assembler.
  virtual assembler::get_status take_message(assembler::message& m);
  // Looks at the queue for recv(): a result, or nothing yet.
  virtual std::optional<recv_result> poll_queue(std::optional<duration> timeout);
  // Runs between taking a message and returning it; false drops it.
  virtual boost::asio::awaitable<bool> after_take(std::function<bool()> interrupted);
  // The close timeout to arm now; none waits without limit.
  virtual std::optional<duration> close_timeout_now();
  // How the connection ended, as recv() and close() report it.
  virtual protocol::close_status final_status() const;
  // Puts one frame of send() into the write order: an error (misuse, or
  // closing) if it may not be sent.
  virtual boost::asio::awaitable<std::error_code> queue_frame(wire::opcode op, std::string payload, bool fin);
  // Whether close() may return now: the transport ended and whatever was
  // queued for writing was written (or can no longer be).
  virtual bool close_finished() const;

  // For seams.
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }
  assembler::message_assembler& queue() noexcept { return assembler_; }
  const protocol::connection& protocol_state() const noexcept { return protocol_; }
  bool reader_done() const noexcept { return reader_done_; }
  protocol::state state_at_read_start() const noexcept { return state_at_read_start_; }
  void notify();
  // A write is in progress.
  bool writing() const noexcept { return writing_; }
  // Every byte queued so far was written, or writing failed.
  bool writes_done() const noexcept { return written_bytes_ >= queued_bytes_ || write_failed_ || aborted_; }
  std::error_code queue_frame_now(wire::opcode op, std::string_view payload, bool fin);
  // Waits until something changes (a write ends, a read arrives, a call ends).
  boost::asio::awaitable<void> wait_for_change();

 private:
  boost::asio::awaitable<void> read_loop(std::string already_received);
  void receive(std::string_view bytes);
  boost::asio::awaitable<void> write_loop();
  void process_events();
  void flush();
  void maybe_arm_close_timer();

  Stream stream_;
  connection_options opts_;
  protocol::connection protocol_;
  assembler::message_assembler assembler_;
  Timer wake_;         // never expires; cancel() wakes every waiter
  Timer reader_wake_;  // the paused reader waits here
  Timer close_timer_;
  std::string out_pending_;
  protocol::state state_at_read_start_ = protocol::state::open;
  bool started_ = false;
  bool input_ended_ = false;
  bool reader_done_ = false;
  bool aborted_ = false;
  bool writing_ = false;
  bool output_shut_ = false;
  bool close_timer_armed_ = false;
  bool write_failed_ = false;
  bool close_called_ = false;
  std::uint64_t queued_bytes_ = 0;   // handed to the write loop so far
  std::uint64_t written_bytes_ = 0;  // written to the stream so far
};

}  // namespace lastword::io
