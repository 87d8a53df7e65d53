// lastword/sim/timer.hpp: a timer on the virtual clock, fired by the driver.
//
// It has the part of the Asio waitable-timer interface that io::connection
// uses (expires_at, expires_after, expiry, cancel, async_wait with
// per-operation cancellation). Timers never fire by themselves: the driver
// calls fire_expired() after moving the clock, which posts the completions
// of every wait on an expired timer in (expiry, creation) order. So a run
// is a pure function of the schedule, and next_expiry() lets the driver jump
// straight to the next timer.
//
// Thread rule: timers and the registry are per thread (one simulation).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "lastword/sim/clock.hpp"

namespace lastword::sim {

class timer {
 public:
  using clock_type = clock;
  using duration = clock::duration;
  using time_point = clock::time_point;
  using executor_type = boost::asio::any_io_executor;

  explicit timer(executor_type ex);
  ~timer();
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  executor_type get_executor() const noexcept { return ex_; }
  time_point expiry() const noexcept { return expiry_; }
  // Like Asio: changing the expiry cancels pending waits.
  std::size_t expires_at(time_point t);
  std::size_t expires_after(duration d) { return expires_at(clock::now() + d); }
  std::size_t cancel();

  template <class Token>
  auto async_wait(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) {
          auto slot = boost::asio::get_associated_cancellation_slot(handler);
          const std::uint64_t id = next_wait_id_++;
          waits_.push_back({id, std::make_unique<op<decltype(handler)>>(std::move(handler), ex_)});
          if (slot.is_connected()) {
            slot.assign([this, id](boost::asio::cancellation_type) { cancel_wait(id); });
          }
        },
        token);
  }

  // --- the driver's side ----------------------------------------------------
  // The earliest expiry among timers with pending waits.
  static std::optional<time_point> next_expiry();
  // Completes (posts) every wait on a timer whose expiry has passed. Returns
  // how many waits it completed.
  static std::size_t fire_expired();

 private:
  struct op_base {
    virtual ~op_base() = default;
    virtual void complete(boost::system::error_code ec) = 0;
  };
  template <class Handler>
  struct op final : op_base {
    Handler handler;
    executor_type io_ex;
    op(Handler h, executor_type ex) : handler(std::move(h)), io_ex(std::move(ex)) {}
    void complete(boost::system::error_code ec) override {
      auto ex = boost::asio::get_associated_executor(handler, io_ex);
      boost::asio::post(ex, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
    }
  };
  struct wait {
    std::uint64_t id;
    std::unique_ptr<op_base> op;
  };

  std::size_t complete_all(boost::system::error_code ec);
  void cancel_wait(std::uint64_t id);

  executor_type ex_;
  time_point expiry_ = time_point::max();
  std::uint64_t seq_;  // creation order, for deterministic firing
  std::uint64_t next_wait_id_ = 0;
  std::vector<wait> waits_;
};

}  // namespace lastword::sim
