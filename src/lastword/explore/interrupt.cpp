#include "lastword/explore/interrupt.hpp"

#include <signal.h>

#include <atomic>

#include "lastword/wire/assert.hpp"

namespace lastword::explore {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};
struct sigaction g_old_int{}, g_old_term{};
static_assert(std::atomic<int>::is_always_lock_free, "g_signal is set in a signal handler");

extern "C" void on_signal(int sig) {
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
}

}  // namespace

interrupt_on_signals::interrupt_on_signals() {
  LASTWORD_ASSERT(!g_installed.exchange(true) && "one interrupt_on_signals at a time");
  g_signal = 0;
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
}

interrupt_on_signals::~interrupt_on_signals() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  g_installed = false;
}

int interrupt_on_signals::signal() const { return g_signal.load(); }

std::function<bool()> interrupt_on_signals::stop() const {
  return [] { return g_signal.load(std::memory_order_relaxed) != 0; };
}

}  // namespace lastword::explore
