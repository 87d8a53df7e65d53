// The simulation driver: applies a scenario's schedule to a target step by
// step, settling the io_context after each turn, and records the history.
#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>

#include "lastword/sim/target.hpp"
#include "lastword/wire/codec.hpp"

namespace lastword::sim {
namespace {

namespace net = boost::asio;
using scenario::step;

class driver {
 public:
  driver(const scenario::scenario& s, const scenario::peer_bytes& peer, const target_factory& make, std::string name)
      : s_(s),
        peer_(peer),
        work_(net::make_work_guard(ioc_)),
        written_({s.role == wire::role::client ? wire::role::server : wire::role::client,
                  std::uint64_t{1} << 40, std::uint64_t{1} << 40, s.opts.deflate}) {
    clock::set(0);
    // permessage-deflate: the history records the messages written, as the
    // peer inflates them, so that S is judged on messages.
    if (const auto p = scenario::deflate_params(s.opts))
      written_inflater_.emplace(wire::receiving_inflater(
          *p, s.role == wire::role::client ? wire::role::server : wire::role::client, std::uint64_t{1} << 40));
    h_.impl = std::move(name);
    h_.events.reserve(64);
    h_.steps.reserve(s.schedule.size() + 1);
    calls_.reserve(s.schedule.size());  // a step starts at most one call
    target_ = make(ioc_, s_);
    target_->transport().observe(stream::observer{
        [this](std::size_t offset, std::size_t n) {
          auto& e = push(history::event::kind::read);
          e.offset = offset;
          e.bytes = n;
        },
        [this](bool reset) { push(reset ? history::event::kind::read_reset : history::event::kind::read_eof); },
        [this](std::string_view bytes) { on_written(bytes); },
        [this] { push(history::event::kind::output_shutdown); },
        [this] { push(history::event::kind::transport_closed); },
    });
  }

  history::history run() {
    target_->start();
    settle();
    for (step_ = 0; step_ < s_.schedule.size(); ++step_) {
      apply(s_.schedule[step_]);
      if (!s_.schedule[step_].same_turn_as_next) settle();
      record_step_end();
    }
    // The end: let time pass until nothing is pending (timeouts, the close
    // timeout, and whatever they start).
    std::uint64_t horizon = 2 * s_.opts.close_timeout_ms + 1;
    for (const auto& p : s_.schedule)
      if (p.timeout) horizon = std::max(horizon, *p.timeout + 1);
    for (int round = 0; round < 4; ++round) advance_in_ticks(horizon);
    record_step_end();
    h_.not_applicable = target_->not_applicable();
    // Teardown is not part of the history: every pending call is
    // cancelled and the transport dropped, so that nothing stays suspended.
    tearing_down_ = true;
    target_->transport().observe({});
    for (auto& c : calls_)
      if (c.pending) c.signal->emit(net::cancellation_type::terminal);
    target_->abort();
    settle();
    target_.reset();
    settle();
    return std::move(h_);
  }

 private:
  struct call {
    std::size_t id;
    history::call_kind what;
    std::unique_ptr<net::cancellation_signal> signal;
    bool pending = true;
  };

  history::event& push(history::event::kind k) {
    if (tearing_down_) return scratch_ = {};
    history::event e;
    e.k = k;
    e.step = step_;
    e.time_ms = static_cast<std::uint64_t>(clock::now().time_since_epoch().count());
    h_.events.push_back(std::move(e));
    return h_.events.back();
  }

  void on_written(std::string_view bytes) {
    if (written_failed_) return;
    for (;;) {
      const auto st = written_.decode(bytes, written_frame_);  // frames may span writes
      if (st == wire::frame_decoder::status::frame) {
        if (written_inflater_ && !wire::is_control(written_frame_.op) &&
            written_inflater_->inflate(written_frame_) != wire::error{}) {
          written_failed_ = true;
          push(history::event::kind::wrote_invalid);
          break;
        }
        // Moved: the decoder starts the next frame afresh.
        push(history::event::kind::wrote).frame = std::move(written_frame_);
        continue;
      }
      if (st == wire::frame_decoder::status::failed) {
        written_failed_ = true;
        push(history::event::kind::wrote_invalid);
      }
      break;
    }
  }

  // Runs everything that can run now: expired timers fire first (they
  // expired while the step happened), then ready handlers, until neither
  // is left. One poll() runs every ready handler, also those that handlers
  // post while it runs, so it is called again only when a timer they armed
  // has already expired (each poll() costs Asio a fresh per-thread context).
  void settle() {
    for (;;) {
      timer::fire_expired();
      ioc_.poll();
      const auto next = timer::next_expiry();
      if (!next || *next > clock::now()) return;
    }
  }

  // Time passes from timer to timer, each firing at its own time.
  void advance_in_ticks(std::uint64_t ms) {
    const clock::time_point until = clock::now() + clock::duration(static_cast<std::int64_t>(ms));
    for (auto next = timer::next_expiry(); next && *next <= until; next = timer::next_expiry()) {
      if (*next > clock::now()) clock::set(next->time_since_epoch().count());
      settle();
    }
    clock::set(until.time_since_epoch().count());
    settle();
  }

  void record_step_end() {
    const stream& st = target_->transport();
    const bool settled = step_ >= s_.schedule.size() || !s_.schedule[step_].same_turn_as_next;
    h_.steps.push_back({st.unread(), st.read_pending(), st.end_read() || st.closed(), settled});
  }

  void offer_until(std::size_t end) {
    end = std::min(end, peer_.bytes.size());
    if (end <= offered_) return;
    target_->transport().offer(std::string_view(peer_.bytes).substr(offered_, end - offered_));
    offered_ = end;
  }

  target::done_fn done_for(std::size_t id) {
    return [this, id](history::call_result r, bool final) {
      auto& e = push(history::event::kind::result);
      e.call = id;
      e.result = std::move(r);
      e.final = final;
      if (final)
        for (auto& c : calls_)
          if (c.id == id) c.pending = false;
    };
  }

  void start_call(history::call_kind what, const step& p) {
    calls_.push_back({calls_.size() + 1, what, std::make_unique<net::cancellation_signal>()});
    call& c = calls_.back();
    auto& e = push(history::event::kind::call);
    e.call = c.id;
    e.what = what;
    e.timeout_ms = p.timeout;
    switch (what) {
      case history::call_kind::recv:
        target_->recv(p.timeout, c.signal->slot(), done_for(c.id));
        break;
      case history::call_kind::recv_streaming:
        target_->recv_streaming(c.signal->slot(), done_for(c.id));
        break;
      case history::call_kind::close:
        target_->close(p.code, p.reason, c.signal->slot(), done_for(c.id));
        break;
      case history::call_kind::send:
        target_->send(p.frame, p.payload, p.fin, done_for(c.id));
        break;
    }
  }

  void apply(const step& p) {
    switch (p.k) {
      case step::kind::read_bytes: offer_until(offered_ + p.n); break;
      case step::kind::read_frames: {
        // The next n frames: up to the end of the n-th frame that ends
        // after what was offered so far.
        std::size_t end = offered_;
        std::size_t left = p.n;
        for (std::size_t fe : peer_.frame_ends) {
          if (fe <= offered_) continue;
          end = fe;
          if (--left == 0) break;
        }
        offer_until(end);
        break;
      }
      case step::kind::read_all: offer_until(peer_.bytes.size()); break;
      case step::kind::eof: target_->transport().offer_eof(); break;
      case step::kind::reset: target_->transport().offer_reset(); break;
      case step::kind::recv: start_call(history::call_kind::recv, p); break;
      case step::kind::recv_streaming: start_call(history::call_kind::recv_streaming, p); break;
      case step::kind::close: start_call(history::call_kind::close, p); break;
      case step::kind::send: start_call(history::call_kind::send, p); break;
      case step::kind::cancel:
        for (auto it = calls_.rbegin(); it != calls_.rend(); ++it)
          if (it->pending && (it->what == history::call_kind::recv || it->what == history::call_kind::recv_streaming)) {
            it->signal->emit(net::cancellation_type::terminal);
            break;
          }
        break;
      case step::kind::advance:
        // Alone, time passes in ticks so that timers fire close to their
        // time; joined to other steps, it jumps, in the same turn.
        if (p.same_turn_as_next || (step_ > 0 && s_.schedule[step_ - 1].same_turn_as_next))
          clock::advance(static_cast<std::int64_t>(p.n));
        else
          advance_in_ticks(p.n);
        break;
      case step::kind::stall_writes: target_->transport().stall_writes(); break;
      case step::kind::release_writes: target_->transport().release_writes(); break;
    }
  }

  const scenario::scenario& s_;
  const scenario::peer_bytes& peer_;
  // One thread runs it: no locking (and nothing else posts to it).
  net::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::unique_ptr<target> target_;
  history::history h_;
  wire::frame_decoder written_;
  std::optional<wire::message_inflater> written_inflater_;
  wire::frame written_frame_;
  bool written_failed_ = false;
  bool tearing_down_ = false;
  history::event scratch_;
  std::size_t step_ = 0;
  std::size_t offered_ = 0;
  std::vector<call> calls_;
};

}  // namespace

history::history run(const scenario::scenario& s, const target_factory& make, std::string impl_name) {
  return run(s, scenario::encode_peer(s), make, std::move(impl_name));
}

history::history run(const scenario::scenario& s, const scenario::peer_bytes& peer, const target_factory& make,
                     std::string impl_name) {
  return driver(s, peer, make, std::move(impl_name)).run();
}

}  // namespace lastword::sim
