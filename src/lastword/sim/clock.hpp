// lastword/sim/clock.hpp: the virtual clock of the simulation.
//
// A Chrono clock whose now() is whatever the driver set: timers built on it
// (boost::asio::basic_waitable_timer<sim::clock>) expire only when the
// driver advances time and polls the io_context. The time is per thread, so
// independent simulations may run on different threads.
#pragma once

#include <chrono>
#include <cstdint>

namespace lastword::sim {

struct clock {
  using duration = std::chrono::milliseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<clock, duration>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept { return time_point(duration(now_ms())); }
  static void set(std::int64_t ms) noexcept { now_ms() = ms; }
  static void advance(std::int64_t ms) noexcept { now_ms() += ms; }

 private:
  static std::int64_t& now_ms() noexcept {
    thread_local std::int64_t t = 0;
    return t;
  }
};

}  // namespace lastword::sim
