#include "lastword/sim/timer.hpp"

#include <algorithm>

namespace lastword::sim {
namespace {

struct registry {
  std::vector<timer*> timers;  // every live timer
  std::uint64_t next_seq = 0;
};

registry& timers() {
  thread_local registry r;
  return r;
}

}  // namespace

timer::timer(executor_type ex) : ex_(std::move(ex)), seq_(timers().next_seq++) {
  timers().timers.push_back(this);
}

timer::~timer() {
  complete_all(boost::asio::error::operation_aborted);
  auto& all = timers().timers;
  all.erase(std::remove(all.begin(), all.end(), this), all.end());
}

std::size_t timer::complete_all(boost::system::error_code ec) {
  if (waits_.empty()) return 0;
  std::vector<wait> waits;
  waits.swap(waits_);
  for (auto& w : waits) w.op->complete(ec);  // posts: nothing runs here
  const std::size_t n = waits.size();
  // The buffer stays for the next wait (a timer is rearmed turn after turn).
  waits.clear();
  if (waits_.empty()) waits_.swap(waits);
  return n;
}

std::size_t timer::expires_at(time_point t) {
  const std::size_t n = cancel();
  expiry_ = t;
  return n;
}

std::size_t timer::cancel() { return complete_all(boost::asio::error::operation_aborted); }

void timer::cancel_wait(std::uint64_t id) {
  for (auto it = waits_.begin(); it != waits_.end(); ++it) {
    if (it->id == id) {
      auto w = std::move(*it);
      waits_.erase(it);
      w.op->complete(boost::asio::error::operation_aborted);
      return;
    }
  }
}

std::optional<timer::time_point> timer::next_expiry() {
  std::optional<time_point> best;
  for (const timer* t : timers().timers)
    if (!t->waits_.empty() && (!best || t->expiry_ < *best)) best = t->expiry_;
  return best;
}

std::size_t timer::fire_expired() {
  // Reused: the driver calls this after every step.
  thread_local std::vector<timer*> due;
  due.clear();
  const time_point now = clock::now();
  for (timer* t : timers().timers)
    if (!t->waits_.empty() && t->expiry_ <= now) due.push_back(t);
  std::sort(due.begin(), due.end(), [](const timer* a, const timer* b) {
    return a->expiry_ != b->expiry_ ? a->expiry_ < b->expiry_ : a->seq_ < b->seq_;
  });
  std::size_t n = 0;
  for (timer* t : due) n += t->complete_all({});
  due.clear();
  return n;
}

}  // namespace lastword::sim
