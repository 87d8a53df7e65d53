// lastword/history/judge.hpp: the SPEC invariants, checked on a history.
//
// The judge knows the scenario (what the peer sent, the schedule, the
// options) and the history (what the implementation read, wrote, and what
// the consumer saw). From the bytes read it decides, with the frame decoder
// alone, which messages were received before the end of input and how the
// connection must report its end; it then holds the consumer's results and
// the written frames to invariants D, P, C, X, T, K, F, L and W.
#pragma once

#include <string>
#include <vector>

#include "lastword/history/history.hpp"
#include "lastword/scenario/scenario.hpp"

namespace lastword::history {

struct violation {
  char invariant = '?';  // D, P, C, X, T, K, F, L or W
  std::size_t step = 0;  // schedule index; schedule.size() for the end
  std::string what;      // what happened and what was expected
};

// Every violation found, in history order (empty: all invariants hold).
std::vector<violation> judge(const scenario::scenario& s, const history& h);

std::string describe(const scenario::scenario& s, const violation& v);

}  // namespace lastword::history
