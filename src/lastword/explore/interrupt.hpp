// lastword/explore/interrupt.hpp: SIGINT and SIGTERM as a request to stop a
// long search (explore_impl's `stop`), for as long as an interrupt_on_signals
// lives.
//
// The first of the two signals is kept, and both go back to their default
// action, so that a second one (either) ends the process at once. The
// previous handlers are restored when the object goes. One at a time per
// process (signal handlers are process-wide).
#pragma once

#include <functional>

namespace lastword::explore {

class interrupt_on_signals {
 public:
  interrupt_on_signals();
  ~interrupt_on_signals();
  interrupt_on_signals(const interrupt_on_signals&) = delete;
  interrupt_on_signals& operator=(const interrupt_on_signals&) = delete;

  // The signal that came (SIGINT or SIGTERM), or 0.
  int signal() const;
  // A `stop` for explore_impl: true once a signal came.
  std::function<bool()> stop() const;
};

}  // namespace lastword::explore
