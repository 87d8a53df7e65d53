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
#include <string_view>
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

// What a verdict is asked for. waived: invariants set aside (letters of
// letters()), so that a known violation, say F by a library that reads only
// on demand, does not hide the others; every verdict names what it waived.
struct judge_options {
  std::string waived;
};

// Every violation found, in history order (empty: all invariants hold).
// A pure function of its arguments. REQUIRES: h.not_applicable is empty.
std::vector<violation> judge(const scenario::scenario& s, const history& h, const judge_options& o = {});
// The same, with the scenario's peer stream already encoded by the caller
// (REQUIRES: peer is scenario::encode_peer(s)), for a caller that also ran
// the scenario: encoding compresses every message of a permessage-deflate
// script, which can cost as much as the run itself.
std::vector<violation> judge(const scenario::scenario& s, const scenario::peer_bytes& peer, const history& h,
                             const judge_options& o = {});

// True when every letter is an invariant's (see invariant.hpp).
bool valid_waiver(std::string_view invariants);

std::string describe(const scenario::scenario& s, const violation& v);

}  // namespace lastword::history
