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
#include "lastword/history/invariant.hpp"
#include "lastword/scenario/scenario.hpp"

namespace lastword::history {

struct violation {
  char invariant = '?';  // a letter of invariants() (invariant.hpp): D P C X T K F L W S
  std::size_t step = 0;  // schedule index; schedule.size() for the end
  std::string what;      // what happened and what was expected
};

// Every violation found, in history order (empty: all invariants hold).
// REQUIRES: h.not_applicable is empty.
std::vector<violation> judge(const scenario::scenario& s, const history& h);

std::string describe(const scenario::scenario& s, const violation& v);

// Invariants set aside for this process (letters of "DPCXTKFLW"), so that a
// known violation, say F by a library that reads only on demand, does not
// hide the others: judge() leaves them out. The command line's --waive sets
// it and every verdict names what was waived. Empty by default; empty
// clears it. False, and nothing changes, for a letter outside DPCXTKFLW.
bool waive(std::string invariants);
const std::string& waived();

}  // namespace lastword::history
