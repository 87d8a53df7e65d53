// The registry's entries (impls/registry.hpp), and the regression catalog
// as variants of the reference connection. Each class overrides one seam
// of io::connection (or two that belong together), with the difference and
// its provenance in the comment above it; its entry at the end of the file
// names its factories in every form and says why a form has none.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "lastword/impls/protocol_variants.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/sim/connection_target.hpp"

namespace lastword::impls {
namespace {

namespace net = boost::asio;
using base = sim::sim_connection;

// ws14-closed-before-drain (python-websockets 13.0-14.0, issue 1538, fixed
// in 14.1): the queue's get() asks "closed?" before "anything queued?".
class closed_before_drain final : public base {
 public:
  using base::base;

 protected:
  assembler::get_status take_message(assembler::message& m) override {
    if (protocol_state().end_of_input() != protocol::input_end::none) return assembler::get_status::end_of_stream;
    return base::take_message(m);
  }
};

// ws14-abort-clears-queue (python-websockets 14.0, "Keep queued messages
// after abort", fixed in 14.1): losing the connection without a close frame
// empties the queue.
class abort_clears_queue final : public base {
 public:
  using base::base;

 protected:
  void end_input() override {
    if (protocol_state().end_of_input() == protocol::input_end::eof) queue().clear();
    base::end_input();
  }
};

// ws14-timeout-zero (python-websockets 14.0-14.1 threading, issue 1552,
// fixed in 14.2): recv(timeout=0) checks the deadline before the queue.
class timeout_zero final : public base {
 public:
  using base::base;

 protected:
  std::optional<io::recv_result> poll_queue(std::optional<duration> timeout) override {
    if (timeout && timeout->count() <= 0) return io::recv_result{io::recv_result::kind::timeout, {}, {}};
    return base::poll_queue(timeout);
  }
};

// ws14-close-while-paused (python-websockets 13.0-14.1, issue 1555, fixed in
// 14.2): with reading paused by flow control, close() waits for the peer's
// close frame, which sits behind the paused read, without a timeout.
class close_while_paused final : public base {
 public:
  using base::base;

 protected:
  std::optional<duration> close_timeout_now() override {
    if (queue().paused()) return std::nullopt;
    return base::close_timeout_now();
  }
};

// legacy-cancel-after-dequeue (python-websockets up to 6.x, issues 470/486,
// fixed in 7.0): the message leaves the queue one scheduler turn before
// recv() returns it; a timeout or cancellation in that turn loses it.
class cancel_after_dequeue final : public base {
 public:
  using base::base;

 protected:
  net::awaitable<bool> after_take(std::function<bool()> interrupted) override {
    co_await net::post(executor(), net::use_awaitable);
    co_return !interrupted();
  }
};

// nodews-close-before-message (node ws up to 1.1.x, issues 710/799/923,
// fixed in 2.0.0): received frames are delivered two scheduler turns later;
// when the socket ends first, the close event wins, the pending message and
// the buffered close frame are dropped, and the code reads 1006.
class close_before_message final : public base {
 public:
  using base::base;

 protected:
  void deliver_frame(wire::frame&& f) override {
    pending_.push_back(std::move(f));
    schedule();
  }
  void on_close_frame() override {
    close_pending_ = true;
    schedule();
  }
  void on_transport_end() override {
    if (!pending_.empty() || close_pending_) {
      pending_.clear();
      close_pending_ = false;
      lost_ = true;
    }
    base::on_transport_end();
  }
  void end_input() override {
    ended_ = true;
    base::end_input();
  }
  protocol::close_status final_status() const override {
    if (lost_) return protocol::close_status{wire::close_code::abnormal_closure, "", false, false};
    return base::final_status();
  }

 private:
  void schedule() {
    if (scheduled_) return;
    scheduled_ = true;
    net::post(executor(), [this] {
      net::post(executor(), [this] {
        scheduled_ = false;
        if (ended_) {
          pending_.clear();
          return;
        }
        for (auto& f : pending_) base::deliver_frame(std::move(f));
        pending_.clear();
        if (std::exchange(close_pending_, false)) base::on_close_frame();
      });
    });
  }

  std::vector<wire::frame> pending_;
  bool close_pending_ = false;
  bool scheduled_ = false;
  bool ended_ = false;
  bool lost_ = false;
};

// trio-close-and-fin-together (trio-websocket up to 0.10.3, fixed in
// 0.10.4): the close path ends the message channel after answering the
// close frame (two scheduler turns); the EOF path leaves it to the close
// path. When the close frame and FIN arrive together, the reader exits
// first and the channel is never ended: recv() waits forever.
class close_and_fin_together final : public base {
 public:
  using base::base;

 protected:
  void on_close_frame() override {
    close_seen_ = true;
    net::post(executor(), [this] {
      net::post(executor(), [this] {
        if (!reader_done()) base::on_close_frame();
      });
    });
  }
  void on_transport_end() override {
    if (close_seen_) return;
    base::on_transport_end();
  }

 private:
  bool close_seen_ = false;
};

// tungstenite-closing-drops-data (tungstenite-rs up to 0.9.1, fixed in
// 0.9.2): after the application's close(), data frames the peer sent before
// it saw our close frame are discarded.
class closing_drops_data final : public base {
 public:
  using base::base;

 protected:
  void deliver_frame(wire::frame&& f) override {
    if (state_at_read_start() == protocol::state::closing) return;
    base::deliver_frame(std::move(f));
  }
};

// nodews-deflate-close-before-inflate (node ws 1.1.1 with permessage-deflate:
// `lastword blackbox` saw it deliver 0 of 3 messages and report 1006 when
// the server sent them, close and FIN in one write; without compression it
// delivered all three): with compression in use, a received message waits
// for its inflation, which completes two scheduler turns later, and the
// frames behind it (the close frame too) wait in line. When the transport
// ends first, the cleanup drops what is waiting and the code reads 1006.
class close_before_inflate final : public base {
 public:
  using base::base;

 protected:
  void deliver_frame(wire::frame&& f) override {
    if (!compression()) return base::deliver_frame(std::move(f));
    waiting_.push_back(std::move(f));
    if (waiting_.size() > 1) return;
    net::post(executor(), [this] { net::post(executor(), [this] { inflated(); }); });
  }
  void on_close_frame() override {
    if (waiting_.empty()) return base::on_close_frame();
    close_waiting_ = true;
  }
  void on_transport_end() override {
    if (!waiting_.empty()) {
      waiting_.clear();
      close_waiting_ = false;
      lost_ = true;
    }
    base::on_transport_end();
  }
  void end_input() override {
    // Any other end (a protocol error, the close timeout) drops them too.
    waiting_.clear();
    close_waiting_ = false;
    base::end_input();
  }
  protocol::close_status final_status() const override {
    if (lost_) return protocol::close_status{wire::close_code::abnormal_closure, "", false, false};
    return base::final_status();
  }

 private:
  void inflated() {
    if (waiting_.empty()) return;  // dropped at the end
    for (auto& f : waiting_) base::deliver_frame(std::move(f));
    waiting_.clear();
    if (std::exchange(close_waiting_, false)) base::on_close_frame();
  }

  std::vector<wire::frame> waiting_;
  bool close_waiting_ = false;
  bool lost_ = false;
};

// --- planted send-side variants (SPEC S) ------------------------------------
// Each is lastword's own design of a bug class that SPEC S names: a close
// frame that overtakes a message still in an asynchronous step of send().

// close-overtakes-compressing-send: send() compresses its frame in a later
// scheduler turn and only then puts it into the write order; a close()
// called meanwhile writes the close frame first, and the message, now
// after close, is refused and never written.
class compressing_send final : public base {
 public:
  using base::base;

 protected:
  net::awaitable<std::error_code> queue_frame(wire::opcode op, std::string payload, bool fin) override {
    co_await net::post(executor(), net::use_awaitable);  // the compression step
    co_return queue_frame_now(op, payload, fin);
  }
};

// close-overtakes-locked-send: send() takes the write lock lazily: while a
// write is in progress it waits for the lock before its frame joins the
// write order, but close() writes without the lock, so it jumps the queue.
class locked_send final : public base {
 public:
  using base::base;

 protected:
  net::awaitable<std::error_code> queue_frame(wire::opcode op, std::string payload, bool fin) override {
    while (writing()) co_await wait_for_change();
    co_return queue_frame_now(op, payload, fin);
  }
};

// close-returns-before-drain: close() returns as soon as the transport's
// reading side ended, while frames sent before it still sit in the write
// buffer (drained one write at a time, and maybe never).
class returns_before_drain final : public base {
 public:
  using base::base;

 protected:
  bool close_finished() const override { return reader_done(); }
};

// --- planted liveness variants (SPEC L, promptness) ---------------------------

// recv-wakes-at-drop: the peer's close frame ends the input but does not
// wake the consumer; the queue is ended only when the transport ends. A
// client waiting for the server's TCP close wakes when the close timeout
// finally drops the transport.
class wakes_at_drop final : public base {
 public:
  using base::base;

 protected:
  void on_close_frame() override {}
};

// recv-waits-for-close-echo: ConnectionClosed waits until the echo of the
// peer's close frame was written. With writes stalled, a recv() that
// depends on the echo completes only when the close timeout drops the
// transport.
class waits_for_close_echo final : public base {
 public:
  using base::base;

 protected:
  void on_close_frame() override {
    net::co_spawn(executor(), end_after_echo(), io::detail::rethrow);
  }

 private:
  net::awaitable<void> end_after_echo() {
    co_await net::post(executor(), net::use_awaitable);  // after the echo was queued
    while (!writes_done()) co_await wait_for_change();
    base::on_close_frame();
  }
};

template <class Conn>
std::unique_ptr<sim::target> connection(net::io_context& ioc, const scenario::scenario& s) {
  return std::make_unique<sim::connection_target<Conn>>(ioc, s);
}

}  // namespace

sim::target_factory beast_factory();  // beast.cpp

// The reasons a form is missing, where several entries share one.
namespace {
constexpr std::string_view send_side_receiver =
    "the difference is in send()'s write order, and the Sans-I/O receive path sends nothing of the application's";
constexpr std::string_view send_side_queue =
    "the difference is in send()'s write order, not in the queue of received messages";
constexpr std::string_view send_side_differential =
    "it needs send() and close(), which the comparison's schedule (bytes, EOF, recv()) never calls";
constexpr std::string_view planted_s = "planted (lastword): the S class of SPEC";
}  // namespace

const std::vector<implementation>& all_implementations() {
  static const std::vector<implementation> all{
      {.name = "reference",
       .library = "lastword",
       .versions = "-",
       .reference = "-",
       .difference = "lastword's own stack: every SPEC invariant by construction",
       .connection = connection<sim::sim_connection>,
       .receiver = protocol::make_reference_receiver,
       .queue = assembler::make_reference_queue},
      {.name = "ws14-closed-before-drain",
       .library = "python-websockets (asyncio, threading)",
       .versions = "13.0-14.0, fixed in 14.1",
       .reference = "issue 1538",
       .difference = "recv() asks whether the connection is closed before it looks at the queue",
       .expected = 'D',
       .connection = connection<closed_before_drain>,
       .queue = assembler::make_closed_before_drain_queue,
       .no_receiver = "the difference is in the queue's get(), above the protocol"},
      {.name = "ws14-abort-clears-queue",
       .library = "python-websockets",
       .versions = "14.0, fixed in 14.1",
       .reference = "\"Keep queued messages after abort\"",
       .difference = "losing the connection without a close frame (1006) empties the queue",
       .expected = 'D',
       .connection = connection<abort_clears_queue>,
       .queue = assembler::make_abort_clears_queue,
       .no_receiver = "the difference is in the queue, when the transport is lost"},
      {.name = "ws14-timeout-zero",
       .library = "python-websockets (threading)",
       .versions = "14.0-14.1, fixed in 14.2",
       .reference = "issue 1552",
       .difference = "recv(timeout=0) checks the deadline before the queue",
       .expected = 'T',
       .connection = connection<timeout_zero>,
       .no_receiver = "the difference is in recv()'s deadline, above the protocol",
       .no_queue = "the difference is in recv()'s deadline; the queue has none",
       .beyond_differential = "it needs recv() with a timeout, which the comparison's schedule never calls"},
      {.name = "ws14-close-while-paused",
       .library = "python-websockets",
       .versions = "13.0-14.1, fixed in 14.2",
       .reference = "issue 1555",
       .difference = "with reading paused by flow control, close() waits for the peer's close frame without a timeout",
       .expected = 'L',
       .connection = connection<close_while_paused>,
       .no_receiver = "the difference is in close()'s timeout, above the protocol",
       .no_queue = "the difference is in close()'s timeout; the queue has no close()",
       .beyond_differential = "it needs close(), which the comparison's schedule never calls"},
      {.name = "legacy-cancel-after-dequeue",
       .library = "python-websockets",
       .versions = "up to 6.x, fixed in 7.0",
       .reference = "issues 470, 486",
       .difference = "the message leaves the queue a turn before recv() returns; a timeout in that turn loses it",
       .expected = 'X',
       .connection = connection<cancel_after_dequeue>,
       .no_receiver = "the difference is in the scheduler turn between the queue and recv()'s return",
       .no_queue = "the queue's get() is one step; the difference is the scheduler turn after it",
       .beyond_differential = "it needs a timeout or a cancellation during recv(), which the comparison's schedule "
                              "never has"},
      {.name = "nodews-close-before-message",
       .library = "node ws",
       .versions = "up to 1.1.x, fixed in 2.0.0",
       .reference = "issues 710, 799, 923",
       .difference = "delivery is deferred; when the socket ends first the pending message and close frame are "
                     "dropped (1006)",
       .expected = 'D',
       .connection = connection<close_before_message>,
       .no_receiver = "the difference is the connection's delivery deferred by scheduler turns, which a Sans-I/O "
                      "receiver does not have",
       .no_queue = "the difference is before the queue: frames are dropped on their way to it"},
      {.name = "nodews-deflate-close-before-inflate",
       .library = "node ws with permessage-deflate",
       .versions = "1.1.1; 8.x delivers",
       .reference = "lastword blackbox: burst-deflate, 0 of 3 delivered, 1006",
       .difference = "with compression in use, delivery waits two turns for inflation; when the transport ends first "
                     "the waiting messages and close frame are dropped (1006)",
       .expected = 'D',
       .connection = connection<close_before_inflate>,
       .no_receiver = "the difference is the connection's delivery deferred by scheduler turns while a message "
                      "inflates, which a Sans-I/O receiver does not have",
       .no_queue = "the difference is before the queue: frames are dropped on their way to it",
       .beyond_model = "the formal model has no permessage-deflate"},
      {.name = "trio-close-and-fin-together",
       .library = "trio-websocket",
       .versions = "up to 0.10.3, fixed in 0.10.4",
       .reference = "changelog 0.10.4",
       .difference = "close frame and FIN in the same read: the reader exits without ending the message channel",
       .expected = 'L',
       .connection = connection<close_and_fin_together>,
       .no_receiver = "the difference is which of the connection's tasks ends the message channel",
       .no_queue = "the difference is that the connection never ends the queue; the queue itself is right",
       .beyond_differential = "it needs the close frame and EOF in one read; the comparison's schedule reads them "
                              "in two turns"},
      {.name = "tungstenite-closing-drops-data",
       .library = "tungstenite-rs",
       .versions = "up to 0.9.1, fixed in 0.9.2",
       .reference = "changelog 0.9.2",
       .difference = "after close(), data frames the peer sent before seeing our close frame are discarded",
       .expected = 'D',
       .connection = connection<closing_drops_data>,
       .receiver = make_tungstenite_closing_drops_data,
       .no_queue = "the difference is in the protocol's closing state, before the queue",
       .beyond_differential = "it needs close() first (state closing), which the comparison's schedule never "
                              "calls"},
      {.name = "beast",
       .library = "Boost.Beast websocket::stream (Boost 1.81)",
       .versions = "1.81 (this machine's)",
       .reference = "-",
       .difference = "not a variant: Beast's own stream over the simulated transport; recv() is one async_read, "
                     "close() is async_close; no per-call timeouts, streaming reads or non-destructive cancellation",
       .vocab = scenario::vocabulary{false, false, false},
       .catalog = false,
       .connection = [](net::io_context& ioc, const scenario::scenario& s) { return beast_factory()(ioc, s); },
       .no_receiver = "Beast's stream has no Sans-I/O receive path to drive",
       .no_queue = "Beast has no message queue apart from its stream",
       .beyond_differential = "Beast is the comparison's other side"},
      // Planted send-side variants (SPEC S): lastword's own designs of the
      // class, not copies of one library's code.
      {.name = "close-overtakes-compressing-send",
       .library = planted_s,
       .versions = "-",
       .reference = "SPEC S: a close frame overtakes a message still being compressed",
       .difference = "send() compresses its frame in a later turn before it joins the write order; a close() "
                     "called meanwhile writes the close frame first and the message is never written",
       .expected = 'S',
       .connection = connection<compressing_send>,
       .no_receiver = send_side_receiver,
       .no_queue = send_side_queue,
       .beyond_differential = send_side_differential},
      {.name = "close-overtakes-locked-send",
       .library = planted_s,
       .versions = "-",
       .reference = "SPEC S: a write lock taken lazily",
       .difference = "while a write is in progress, send() waits for the write lock before its frame joins the "
                     "write order; close() writes without the lock and jumps the queue",
       .expected = 'S',
       .connection = connection<locked_send>,
       .no_receiver = send_side_receiver,
       .no_queue = send_side_queue,
       .beyond_differential = send_side_differential},
      {.name = "close-returns-before-drain",
       .library = planted_s,
       .versions = "-",
       .reference = "SPEC S: a write buffer drained after close() returned",
       .difference = "close() returns once reading ended, while frames sent before it still wait in the write "
                     "buffer",
       .expected = 'S',
       .connection = connection<returns_before_drain>,
       .no_receiver = send_side_receiver,
       .no_queue = send_side_queue,
       .beyond_differential = send_side_differential},
      // Planted liveness variants (SPEC L): a recv() that wakes late.
      {.name = "recv-wakes-at-drop",
       .library = "planted (lastword): L promptness",
       .versions = "-",
       .reference = "SPEC L: a recv() waiting when the input ends wakes up",
       .difference = "the peer's close frame does not wake a waiting recv(); it wakes when the close timeout drops "
                     "the transport",
       .expected = 'L',
       .connection = connection<wakes_at_drop>,
       .no_receiver = "the difference is in when the connection wakes recv() after the protocol saw the close "
                      "frame",
       .no_queue = "the difference is in when the connection ends the queue; the queue itself is right",
       .beyond_differential = "the comparison's schedule calls recv() only after the close frame and EOF were "
                              "read, so nothing waits when the input ends"},
      {.name = "recv-waits-for-close-echo",
       .library = "planted (lastword): L promptness with stalled writes",
       .versions = "-",
       .reference = "SPEC L: a recv() waiting when the input ends wakes up",
       .difference = "ConnectionClosed waits until the close echo was written; with writes stalled, recv() wakes "
                     "only when the close timeout drops the transport",
       .expected = 'L',
       .connection = connection<waits_for_close_echo>,
       .no_receiver = "the difference is in the connection's write of the close echo",
       .no_queue = "the difference is in when the connection ends the queue; the queue itself is right",
       .beyond_differential = "it needs stalled writes, which the comparison's schedule never has"},
      // A planted queue variant: it exists as a queue alone.
      {.name = "queue-pause-outlives-end",
       .library = "planted (lastword): the queue's flow control (SPEC F)",
       .versions = "-",
       .reference = "SPEC F: the end of the input lifts the pause",
       .difference = "the queue keeps its pause flag when the input ends, instead of lifting it",
       .expected = 'F',
       .queue = assembler::make_pause_outlives_end_queue,
       .no_connection = "the queue's pause flag after the end of input cannot show through a connection: nothing "
                        "reads once the input ended",
       .no_receiver = "the difference is in the queue"},
  };
  return all;
}

}  // namespace lastword::impls
