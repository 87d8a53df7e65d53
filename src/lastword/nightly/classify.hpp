// lastword/nightly/classify.hpp: what a nightly finding is, from how its
// minimized input behaves.
//
//  - not-reproducible: it no longer fails on the implementation it was found on;
//  - variant-only: it fails on a variant, the reference passes it;
//  - known-third-party: a crash that matches a finding about a third-party
//    library lastword has reported before (a table in classify.cpp);
//  - third-party: any other crash whose top frame is in Boost;
//  - harness-false-alarm: the checking code crashed (judge, oracles, model,
//    the fuzz harness), or the fuzz target reports a violation that
//    `lastword replay`, a separate harness, does not see;
//  - reference-bug: the reference fails it, and the checks agree.
#pragma once

#include "lastword/nightly/libfuzzer.hpp"
#include "lastword/nightly/run.hpp"

namespace lastword::nightly {

// Sets f.classification and f.reason. f.kind ("violation", "crash", ...) and
// f.implementation must be set. lastword_replay_status: the exit status of
// `lastword replay --kind TARGET INPUT` on the reference (-1: not run).
void classify(finding_result& f, const crash_report& crash, bool impl_fails, bool ref_fails,
              int lastword_replay_status);

}  // namespace lastword::nightly
