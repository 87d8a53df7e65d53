// The regression catalog as variants of the reference connection. Each class
// overrides one seam of io::connection (or two that belong together), with
// the difference and its provenance in the comment above it.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

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
sim::target_factory factory() {
  return [](net::io_context& ioc, const scenario::scenario& s) -> std::unique_ptr<sim::target> {
    return std::make_unique<sim::connection_target<Conn>>(ioc, s);
  };
}

}  // namespace

sim::target_factory variant_factory(std::string_view name) {
  if (name == "ws14-closed-before-drain") return factory<closed_before_drain>();
  if (name == "ws14-abort-clears-queue") return factory<abort_clears_queue>();
  if (name == "ws14-timeout-zero") return factory<timeout_zero>();
  if (name == "ws14-close-while-paused") return factory<close_while_paused>();
  if (name == "legacy-cancel-after-dequeue") return factory<cancel_after_dequeue>();
  if (name == "nodews-close-before-message") return factory<close_before_message>();
  if (name == "trio-close-and-fin-together") return factory<close_and_fin_together>();
  if (name == "tungstenite-closing-drops-data") return factory<closing_drops_data>();
  if (name == "nodews-deflate-close-before-inflate") return factory<close_before_inflate>();
  if (name == "close-overtakes-compressing-send") return factory<compressing_send>();
  if (name == "close-overtakes-locked-send") return factory<locked_send>();
  if (name == "close-returns-before-drain") return factory<returns_before_drain>();
  if (name == "recv-wakes-at-drop") return factory<wakes_at_drop>();
  if (name == "recv-waits-for-close-echo") return factory<waits_for_close_echo>();
  return {};
}

}  // namespace lastword::impls
