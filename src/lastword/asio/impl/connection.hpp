// lastword/asio/impl/connection.hpp: definitions of connection<Stream, Timer>.
// Included only by the files that instantiate it (connection_sim.cpp,
// connection_tcp.cpp) and by regression variants.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <exception>
#include <memory>

#include "lastword/asio/connection.hpp"
#include "lastword/asio/transport.hpp"
#include "lastword/wire/assert.hpp"

namespace lastword::io {

namespace net = boost::asio;

namespace detail {
// Gives the assembler back when a consumer call ends, however it ends.
struct consumer_guard {
  assembler::message_assembler* a;
  ~consumer_guard() {
    if (a) a->release();
  }
};
}  // namespace detail

template <class Stream, class Timer>
connection<Stream, Timer>::connection(Stream stream, connection_options opts, wire::mask_source masks)
    : stream_(std::move(stream)),
      opts_(opts),
      protocol_(protocol::options{opts.role, opts.max_size, opts.max_size, opts.deflate}, std::move(masks)),
      assembler_(opts.flow),
      wake_(stream_.get_executor()),
      reader_wake_(stream_.get_executor()),
      close_timer_(stream_.get_executor()) {
  wake_.expires_at(Timer::time_point::max());
  reader_wake_.expires_at(Timer::time_point::max());
}

template <class Stream, class Timer>
connection<Stream, Timer>::~connection() = default;

template <class Stream, class Timer>
void connection<Stream, Timer>::start(std::string already_received) {
  LASTWORD_ASSERT(!started_);
  started_ = true;
  net::co_spawn(stream_.get_executor(), read_loop(std::move(already_received)), detail::rethrow);
}

template <class Stream, class Timer>
void connection<Stream, Timer>::notify() {
  wake_.cancel();
}

template <class Stream, class Timer>
void connection<Stream, Timer>::receive(std::string_view bytes) {
  state_at_read_start_ = protocol_.current_state();
  protocol_.receive_data(bytes);
  process_events();
  flush();
  maybe_arm_close_timer();
  notify();
}

template <class Stream, class Timer>
net::awaitable<void> connection<Stream, Timer>::read_loop(std::string already_received) {
  if (!already_received.empty()) receive(already_received);
  // Uninitialized: only the n bytes a read returns are looked at, and
  // zeroing 64 KiB per connection dominated short simulated runs.
  constexpr std::size_t buffer_size = 64 * 1024;
  const auto buffer = std::make_unique_for_overwrite<char[]>(buffer_size);
  for (;;) {
    // F: no reading while the queue is above the high-water mark. Ending
    // the input (abort, close timeout) releases the wait.
    while (assembler_.paused() && !aborted_)
      co_await reader_wake_.async_wait(net::as_tuple(net::use_awaitable));
    if (aborted_) break;
    auto [ec, n] =
        co_await stream_.async_read_some(net::buffer(buffer.get(), buffer_size), net::as_tuple(net::use_awaitable));
    if (ec) break;
    receive(std::string_view(buffer.get(), n));
  }
  // EOF, reset, or our own abort: the transport is done.
  protocol_.receive_eof();
  process_events();
  on_transport_end();
  reader_done_ = true;
  // The close timeout also bounds writing what is still queued (S: close()
  // waits for it).
  if (writes_done()) close_timer_.cancel();
  flush();
  notify();
}

template <class Stream, class Timer>
void connection<Stream, Timer>::process_events() {
  for (auto& f : protocol_.take_events())
    if (!wire::is_control(f.op)) deliver_frame(std::move(f));
  if (input_ended_) return;
  switch (protocol_.end_of_input()) {
    case protocol::input_end::none:
    case protocol::input_end::eof:  // handled by on_transport_end()
      return;
    case protocol::input_end::close_frame:
      input_ended_ = true;
      on_close_frame();
      return;
    case protocol::input_end::failed:
      input_ended_ = true;
      end_input();
      return;
  }
}

template <class Stream, class Timer>
void connection<Stream, Timer>::flush() {
  {
    const std::string out = protocol_.take_output();
    queued_bytes_ += out.size();
    out_pending_ += out;
  }
  const bool shutdown_due = protocol_.output_ended() && !output_shut_;
  if (writing_ || aborted_ || (out_pending_.empty() && !shutdown_due)) return;
  writing_ = true;
  net::co_spawn(stream_.get_executor(), write_loop(), detail::rethrow);
}

template <class Stream, class Timer>
net::awaitable<void> connection<Stream, Timer>::write_loop() {
  while (!out_pending_.empty() && !aborted_) {
    std::string chunk = std::move(out_pending_);
    out_pending_.clear();
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(chunk), net::as_tuple(net::use_awaitable));
    written_bytes_ += n;  // also what went out before an error
    if (ec) {
      out_pending_.clear();
      write_failed_ = true;
      break;
    }
  }
  writing_ = false;
  if (aborted_) write_failed_ = true;
  // S: sends and close() wait for their bytes.
  notify();
  if (reader_done_ && writes_done()) close_timer_.cancel();
  // Section 7.1.1: after the last frame, close our side of TCP.
  if (protocol_.output_ended() && !output_shut_ && !aborted_) {
    output_shut_ = true;
    transport_shutdown_output(stream_);
  }
}

template <class Stream, class Timer>
void connection<Stream, Timer>::maybe_arm_close_timer() {
  if (close_timer_armed_) return;
  // Reading ended: only a close() still waiting for our writes needs the
  // timeout (S: it waits for them; L: not forever).
  if (reader_done_ ? !close_called_ || writes_done() : !protocol_.close_expected()) return;
  const auto timeout = close_timeout_now();
  if (!timeout) return;
  close_timer_armed_ = true;
  close_timer_.expires_after(*timeout);
  close_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && (!reader_done_ || !writes_done())) abort();
  });
}

template <class Stream, class Timer>
void connection<Stream, Timer>::abort() {
  if (aborted_) return;
  aborted_ = true;
  protocol_.abort();
  transport_close(stream_);
  reader_wake_.cancel();
  notify();
}

// --- seams: the reference behaviour ------------------------------------------

template <class Stream, class Timer>
void connection<Stream, Timer>::deliver_frame(wire::frame&& f) {
  assembler_.put(std::move(f));
}

template <class Stream, class Timer>
void connection<Stream, Timer>::on_close_frame() {
  end_input();
}

template <class Stream, class Timer>
void connection<Stream, Timer>::on_transport_end() {
  input_ended_ = true;
  end_input();
}

template <class Stream, class Timer>
void connection<Stream, Timer>::end_input() {
  assembler_.end();
  reader_wake_.cancel();
  notify();
}

template <class Stream, class Timer>
assembler::get_status connection<Stream, Timer>::take_message(assembler::message& m) {
  return assembler_.get(m);
}

template <class Stream, class Timer>
std::optional<recv_result> connection<Stream, Timer>::poll_queue(std::optional<duration> timeout) {
  recv_result r;
  switch (take_message(r.msg)) {
    case assembler::get_status::ready:
      r.k = recv_result::kind::message;
      if (!assembler_.paused()) reader_wake_.cancel();  // F: resume reading
      return r;
    case assembler::get_status::end_of_stream:
      r.k = recv_result::kind::closed;
      r.status = final_status();
      return r;
    case assembler::get_status::would_block:
      break;
  }
  // T: a zero timeout reports a timeout only after the queue was looked at.
  if (timeout && timeout->count() <= 0) {
    r.k = recv_result::kind::timeout;
    return r;
  }
  return std::nullopt;
}

template <class Stream, class Timer>
net::awaitable<bool> connection<Stream, Timer>::after_take(std::function<bool()>) {
  co_return true;
}

template <class Stream, class Timer>
std::optional<std::chrono::milliseconds> connection<Stream, Timer>::close_timeout_now() {
  return opts_.close_timeout;
}

template <class Stream, class Timer>
protocol::close_status connection<Stream, Timer>::final_status() const {
  return protocol_.status();
}

template <class Stream, class Timer>
net::awaitable<std::error_code> connection<Stream, Timer>::queue_frame(wire::opcode op, std::string payload, bool fin) {
  co_return queue_frame_now(op, payload, fin);
}

template <class Stream, class Timer>
net::awaitable<void> connection<Stream, Timer>::wait_for_change() {
  co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
}

template <class Stream, class Timer>
bool connection<Stream, Timer>::close_finished() const {
  return reader_done_ && writes_done();
}

template <class Stream, class Timer>
std::error_code connection<Stream, Timer>::queue_frame_now(wire::opcode op, std::string_view payload, bool fin) {
  std::error_code ec;
  switch (op) {
    case wire::opcode::text: ec = protocol_.send_text(payload, fin); break;
    case wire::opcode::binary: ec = protocol_.send_binary(payload, fin); break;
    default: ec = protocol_.send_continuation(payload, fin); break;
  }
  if (!ec) flush();
  return ec;
}

// --- consumer calls ----------------------------------------------------------

template <class Stream, class Timer>
net::awaitable<recv_result> connection<Stream, Timer>::recv(std::optional<duration> timeout) {
  // K: one consumer at a time; a second one fails at once, changing nothing.
  if (!assembler_.acquire()) co_return recv_result{recv_result::kind::busy, {}, {}};
  detail::consumer_guard guard{&assembler_};
  co_await net::this_coro::throw_if_cancelled(false);
  const auto cs = co_await net::this_coro::cancellation_state;
  const auto cancelled = [&cs] { return cs.cancelled() != net::cancellation_type::none; };

  auto timed_out = std::make_shared<bool>(false);
  std::optional<Timer> deadline;
  if (timeout && timeout->count() > 0) {
    deadline.emplace(stream_.get_executor());
    deadline->expires_after(*timeout);
    deadline->async_wait([timed_out, this](const boost::system::error_code& ec) {
      if (!ec) {
        *timed_out = true;
        notify();
      }
    });
  }
  for (;;) {
    // D: the queue is looked at before anything else, every time.
    auto r = poll_queue(*timed_out ? std::optional<duration>(duration::zero()) : timeout);
    if (r) {
      if (r->k == recv_result::kind::message &&
          !co_await after_take([&] { return cancelled() || *timed_out; }))
        co_return recv_result{*timed_out ? recv_result::kind::timeout : recv_result::kind::cancelled, {}, {}};
      co_return *r;
    }
    // X: nothing was taken, so a cancelled or timed-out call loses nothing.
    if (cancelled()) co_return recv_result{recv_result::kind::cancelled, {}, {}};
    co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    if (cancelled()) co_return recv_result{recv_result::kind::cancelled, {}, {}};
  }
}

template <class Stream, class Timer>
net::awaitable<recv_result> connection<Stream, Timer>::recv_streaming(fragment_handler on_fragment) {
  if (!assembler_.acquire()) co_return recv_result{recv_result::kind::busy, {}, {}};
  // X: release() gives back the fragments of an unfinished message.
  detail::consumer_guard guard{&assembler_};
  co_await net::this_coro::throw_if_cancelled(false);
  const auto cs = co_await net::this_coro::cancellation_state;
  for (;;) {
    assembler::fragment f;
    switch (assembler_.get_fragment(f)) {
      case assembler::get_status::ready:
        if (!assembler_.paused()) reader_wake_.cancel();
        on_fragment(f);
        if (f.fin) co_return recv_result{recv_result::kind::message, {}, {}};
        continue;
      case assembler::get_status::end_of_stream:
        // P: the fragments received were yielded; the rest never came.
        co_return recv_result{recv_result::kind::closed, {}, final_status()};
      case assembler::get_status::would_block:
        break;
    }
    if (cs.cancelled() != net::cancellation_type::none)
      co_return recv_result{recv_result::kind::cancelled, {}, {}};
    co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    if (cs.cancelled() != net::cancellation_type::none)
      co_return recv_result{recv_result::kind::cancelled, {}, {}};
  }
}

template <class Stream, class Timer>
net::awaitable<recv_result> connection<Stream, Timer>::close(std::uint16_t code, std::string reason) {
  // Already closing or closed: just wait for the end like the first caller.
  // A code or reason that may not be sent is refused at once (waiting would
  // wait forever: nothing was sent).
  if (const std::error_code ec = protocol_.send_close(code, reason);
      ec == protocol::misuse::invalid_close_code || ec == protocol::misuse::invalid_close_reason)
    co_return recv_result{recv_result::kind::refused, {}, {}};
  close_called_ = true;
  flush();
  maybe_arm_close_timer();
  co_await net::this_coro::throw_if_cancelled(false);
  const auto cs = co_await net::this_coro::cancellation_state;
  // L: the close timer bounds this wait (abort() ends the reader and the
  // writes). S: close() returns only once what was sent before it was
  // written, or can no longer be.
  while (!close_finished()) {
    if (cs.cancelled() != net::cancellation_type::none) co_return recv_result{recv_result::kind::cancelled, {}, {}};
    co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return recv_result{recv_result::kind::closed, {}, final_status()};
}

template <class Stream, class Timer>
net::awaitable<recv_result> connection<Stream, Timer>::send(wire::opcode op, std::string payload, bool fin) {
  // S: a send after close() (or misuse) fails and writes nothing.
  if (aborted_ || co_await queue_frame(op, std::move(payload), fin)) co_return recv_result{recv_result::kind::failed, {}, {}};
  const std::uint64_t mark = queued_bytes_;
  // A write in progress when the transport is dropped still completes
  // (written or not): its result tells.
  while (written_bytes_ < mark && !write_failed_ && (writing_ || !aborted_))
    co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
  co_return recv_result{written_bytes_ >= mark ? recv_result::kind::sent : recv_result::kind::failed, {}, {}};
}

template <class Stream, class Timer>
std::error_code connection<Stream, Timer>::send_text(std::string_view payload, bool fin) {
  auto ec = protocol_.send_text(payload, fin);
  flush();
  return ec;
}

template <class Stream, class Timer>
std::error_code connection<Stream, Timer>::send_binary(std::string_view payload, bool fin) {
  auto ec = protocol_.send_binary(payload, fin);
  flush();
  return ec;
}

template <class Stream, class Timer>
std::error_code connection<Stream, Timer>::send_continuation(std::string_view payload, bool fin) {
  auto ec = protocol_.send_continuation(payload, fin);
  flush();
  return ec;
}

template <class Stream, class Timer>
std::error_code connection<Stream, Timer>::ping(std::string_view payload) {
  auto ec = protocol_.send_ping(payload);
  flush();
  return ec;
}

}  // namespace lastword::io
