// `beast`: Boost.Beast's websocket::stream as an implementation under test,
// over the simulated transport.
//
// The adapter is the thinnest application code that maps scenario steps
// onto Beast's API, written as Beast's documentation asks:
//   recv()   one async_read into a fresh flat_buffer (read_message_max is the
//            scenario's size limit). Beast reads from the transport only
//            while a read is pending; it keeps no queue of its own.
//   close()  async_close(code, reason). Beast's own timeouts run on a real
//            steady_timer, which the virtual clock cannot drive, so the close
//            timeout is a simulated timer that closes the transport when it
//            expires, as beast::tcp_stream does on expiry.
//   end      the driver's teardown closes the transport.
//   deflate  with the scenario's option deflate, Beast's own
//            permessage_deflate (both roles enabled, no_context_takeover as
//            the option says) is negotiated in the upgrade, with the
//            parameters scenario::deflate_params() gives the peer.
// What Beast cannot express is not applicable, never a pass: per-call
// timeouts (zero included), recv_streaming() (read_some does not keep frame
// boundaries), cancelling a pending read (Beast supports only terminal
// cancellation, after which the stream is unusable), a second concurrent
// read (Beast asserts) and a second close().
//
// How ConnectionClosed is reported (Beast returns error codes, not a
// status): error::closed is the peer's close frame (ws.reason(), 1005 when
// it had no code); a protocol failure is the code of the close frame Beast
// wrote; EOF, reset and an aborted operation without a close frame are 1006;
// an operation aborted after the peer's close frame was read (the close
// timeout cut Beast's TCP teardown short) reports ws.reason().
// Once the connection has ended, later calls report the same status, as a
// wrapper that keeps the first ConnectionClosed would.
#include <boost/beast/core/role.hpp>
#include <boost/system/error_code.hpp>

#include "lastword/sim/stream.hpp"

namespace lastword::sim {

// Beast's customization points for a socket-like next layer (found by
// argument-dependent lookup). Teardown follows Beast's TCP teardown: a server
// shuts its output down first, then both read to EOF and close.
void beast_close_socket(stream& s) { s.close(); }

template <class Handler>
void async_teardown(boost::beast::role_type role, stream& s, Handler&& handler);

}  // namespace lastword::sim

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <random>

#include <algorithm>

#include "lastword/sim/target.hpp"
#include "lastword/wire/assert.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/deflate.hpp"
#include "lastword/wire/handshake.hpp"

// Beast draws its mask keys from a generator it seeds once from
// std::random_device. A fixed seed makes every run of Beast repeat exactly,
// so that a fuzz run with a fixed seed and run count repeats (libFuzzer
// feeds compared values, these bytes among them, back into its mutations).
// No check judges the mask keys. It runs before any stream exists.
namespace {
const bool beast_prng_seeded = [] {
  std::seed_seq seed{0x6c617374u, 0x776f7264u, 0x6d61736bu, 0x6b657973u, 1u, 2u, 3u, 4u};
  boost::beast::websocket::seed_prng(seed);
  return true;
}();
}  // namespace


namespace lastword::sim {

namespace {

struct teardown_state {
  stream* s;
  boost::beast::role_type role;
  std::array<char, 512> buf{};
};

template <class Handler>
void teardown_read(std::shared_ptr<teardown_state> st, Handler handler) {
  st->s->async_read_some(boost::asio::buffer(st->buf),
                         [st, h = std::move(handler)](boost::system::error_code ec, std::size_t) mutable {
                           if (!ec) return teardown_read(st, std::move(h));
                           if (ec == boost::asio::error::eof) {
                             ec = {};
                             if (st->role == boost::beast::role_type::client) st->s->shutdown_output();
                             st->s->close();
                           }
                           std::move(h)(ec);
                         });
}

}  // namespace

template <class Handler>
void async_teardown(boost::beast::role_type role, stream& s, Handler&& handler) {
  if (role == boost::beast::role_type::server) s.shutdown_output();
  teardown_read(std::make_shared<teardown_state>(teardown_state{&s, role}), std::forward<Handler>(handler));
}

}  // namespace lastword::sim

namespace lastword::impls {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using history::call_result;

class beast_target final : public sim::target {
 public:
  beast_target(net::io_context& ioc, const scenario::scenario& s)
      : ioc_(ioc), role_(s.role), close_timeout_(std::chrono::milliseconds(s.opts.close_timeout_ms)),
        max_size_(s.opts.max_size), deflate_(scenario::deflate_params(s.opts)), ws_(sim::stream(ioc.get_executor())),
        close_timer_(ioc.get_executor()) {
    ws_.auto_fragment(false);
    ws_.read_message_max(max_size_);
    if (deflate_) {
      websocket::permessage_deflate pmd;
      pmd.server_enable = pmd.client_enable = true;
      pmd.server_no_context_takeover = deflate_->server_no_context_takeover;
      pmd.client_no_context_takeover = deflate_->client_no_context_takeover;
      ws_.set_option(pmd);
    }
    handshake();
    ws_.next_layer().forget_handshake();
  }

  sim::stream& transport() override { return ws_.next_layer(); }
  void start() override {}

  void recv(std::optional<std::uint64_t> timeout_ms, net::cancellation_slot, done_fn done) override {
    if (timeout_ms) return refuse("recv() with a timeout");
    if (reading_) return refuse("a second concurrent recv() (Beast allows one read at a time)");
    if (ended_) return done(*ended_, true);
    reading_ = true;
    // A bounded buffer: read_message_max rejects larger messages first.
    auto buf = std::make_shared<beast::flat_buffer>(std::max<std::uint64_t>(max_size_, 1) + 1);
    ws_.async_read(*buf, [this, buf, done](beast::error_code ec, std::size_t) {
      reading_ = false;
      if (!ec) {
        call_result r;
        r.k = call_result::kind::message;
        r.text = ws_.got_text();
        r.data = beast::buffers_to_string(buf->data());
        return done(std::move(r), true);
      }
      finish(ec, done);
    });
  }

  void recv_streaming(net::cancellation_slot, done_fn) override { refuse("recv_streaming()"); }

  void close(std::uint16_t code, std::string reason, net::cancellation_slot, done_fn done) override {
    if (closing_) return refuse("a second close() (Beast asserts)");
    if (sending_) return refuse("close() while a send() is pending (Beast allows one write at a time)");
    if (ended_) return done(*ended_, true);
    closing_ = true;
    close_pending_ = true;
    our_code_ = code;
    close_timer_.expires_after(close_timeout_);
    close_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) ws_.next_layer().close();  // the close timeout: drop the connection
    });
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [this, done](beast::error_code ec) {
      close_timer_.cancel();
      close_pending_ = false;
      if (!ec) {
        ended_ = peer_status();
        done(*ended_, true);
      } else {
        finish(ec, done);
      }
      // Reads that the close ended report its status.
      for (auto& w : waiting_for_close_) w(*ended_, true);
      waiting_for_close_.clear();
    });
  }

  // send() is one async_write_some: Beast continues the message that an
  // earlier write left unfinished, so the scenario's frame kinds must match
  // that (a misused send is outside what Beast's API can say).
  void send(scenario::peer_frame::kind frame, std::string payload, bool fin, done_fn done) override {
    const bool continuation = frame == scenario::peer_frame::kind::continuation;
    if (sending_) return refuse("a second concurrent send() (Beast allows one write at a time)");
    if (close_pending_) return refuse("send() while close() is pending (Beast allows one write at a time)");
    if (continuation != message_open_)
      return refuse(continuation ? "a continuation send() with no message started"
                                 : "a new message send() inside an unfinished one");
    if (!continuation) ws_.text(frame == scenario::peer_frame::kind::text);
    sending_ = true;
    message_open_ = !fin;
    auto data = std::make_shared<std::string>(std::move(payload));
    ws_.async_write_some(fin, net::buffer(*data), [this, data, done](beast::error_code ec, std::size_t) {
      sending_ = false;
      call_result r;
      r.k = ec ? call_result::kind::failed : call_result::kind::sent;
      done(std::move(r), true);
    });
  }

  void abort() override { ws_.next_layer().close(); }

  std::string not_applicable() const override { return refused_; }

 private:
  void refuse(std::string what) {
    if (refused_.empty()) refused_ = "beast cannot express " + std::move(what);
  }

  // The status of an operation that ended with `ec`.
  void finish(beast::error_code ec, const done_fn& done) {
    if (ended_) return done(*ended_, true);
    if (ec == net::error::operation_aborted && close_pending_) {
      // A read that a pending close() ended: it reports the close's status.
      waiting_for_close_.push_back(done);
      return;
    }
    call_result r;
    r.k = call_result::kind::closed;
    if (ec == websocket::error::closed || ws_.reason().code != websocket::close_code::none) {
      // The peer's close frame; or Beast read it and then its TCP teardown
      // was cut short (the close timeout, or the peer's reset): the closing
      // handshake completed all the same, and reason() says so.
      r = peer_status();
    } else if (const auto ours = close_written(); ours && !closing_) {
      r.code = *ours;  // Beast failed the connection with this code
    } else {
      r.code = wire::close_code::abnormal_closure;
    }
    ended_ = r;
    done(std::move(r), true);
  }

  // ConnectionClosed after the closing handshake: the peer's code and
  // reason (1005 when it sent no code); normal when both close frames were.
  call_result peer_status() const {
    const auto& peer = ws_.reason();
    call_result r;
    r.k = call_result::kind::closed;
    r.code = peer.code == websocket::close_code::none ? wire::close_code::no_status_received
                                                      : static_cast<std::uint16_t>(peer.code);
    r.reason = std::string(peer.reason.data(), peer.reason.size());
    r.handshake_completed = true;
    r.normal = wire::is_normal_close_code(r.code) && (!our_code_ || wire::is_normal_close_code(*our_code_));
    return r;
  }

  // The code of the close frame Beast wrote, if it wrote one.
  std::optional<std::uint16_t> close_written() const {
    wire::frame_decoder d({role_ == wire::role::client ? wire::role::server : wire::role::client,
                           std::uint64_t{1} << 40, std::uint64_t{1} << 40, deflate_.has_value()});
    std::string_view bytes = ws_.next_layer().written();
    wire::frame f;
    while (d.decode(bytes, f) == wire::frame_decoder::status::frame)
      if (f.op == wire::opcode::close) {
        wire::close_payload p;
        if (wire::parse_close_payload(f.payload, p)) return wire::close_code::abnormal_closure;
        return p.code;
      }
    return std::nullopt;
  }

  void settle() {
    while (ioc_.poll() != 0) {
    }
  }

  // The HTTP upgrade, before the scenario starts.
  void handshake() {
    bool done = false;
    beast::error_code result;
    if (role_ == wire::role::server) {
      beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/", 11};
      req.set(beast::http::field::host, "lastword");
      req.set(beast::http::field::upgrade, "websocket");
      req.set(beast::http::field::connection, "Upgrade");
      req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
      req.set(beast::http::field::sec_websocket_version, "13");
      if (deflate_) req.set(beast::http::field::sec_websocket_extensions, wire::deflate_header(*deflate_));
      ws_.async_accept(req, [&](beast::error_code ec) {
        result = ec;
        done = true;
      });
      settle();
      // Beast agreed to the offer (its response names the extension).
      LASTWORD_ASSERT(!deflate_ || ws_.next_layer().written().find("permessage-deflate") != std::string::npos);
    } else {
      ws_.async_handshake("lastword", "/", [&](beast::error_code ec) {
        result = ec;
        done = true;
      });
      settle();
      const std::string& request = ws_.next_layer().written();
      const std::string field = "Sec-WebSocket-Key: ";
      const auto at = request.find(field);
      LASTWORD_ASSERT(at != std::string::npos);
      const auto key = request.substr(at + field.size(), request.find("\r\n", at) - at - field.size());
      ws_.next_layer().offer(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: " +
          wire::accept_key(key) + "\r\n" +
          (deflate_ ? "Sec-WebSocket-Extensions: " + wire::deflate_header(*deflate_) + "\r\n" : std::string()) +
          "\r\n");
      settle();
    }
    LASTWORD_ASSERT(done && !result);
  }

  net::io_context& ioc_;
  wire::role role_;
  std::chrono::milliseconds close_timeout_;
  std::uint64_t max_size_;
  std::optional<wire::deflate_params> deflate_;
  websocket::stream<sim::stream> ws_;
  sim::timer close_timer_;
  bool reading_ = false;
  bool sending_ = false;
  bool message_open_ = false;  // an unfinished message was sent
  bool closing_ = false;        // close() was called
  bool close_pending_ = false;  // and has not returned
  std::optional<std::uint16_t> our_code_;
  std::optional<call_result> ended_;
  std::vector<done_fn> waiting_for_close_;
  std::string refused_;
};

}  // namespace

sim::target_factory beast_factory() {
  return [](net::io_context& ioc, const scenario::scenario& s) {
    return std::unique_ptr<sim::target>(std::make_unique<beast_target>(ioc, s));
  };
}

}  // namespace lastword::impls
