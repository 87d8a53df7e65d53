#include "lastword/nightly/classify.hpp"

namespace lastword::nightly {
namespace {

bool top_frame_in(const crash_report& c, std::initializer_list<const char*> parts) {
  if (c.frames.empty()) return false;
  for (const char* p : parts)
    if (c.frames.front().find(p) != std::string::npos) return true;
  return false;
}

struct known_third_party {
  const char* name;
  const char* description;
  const char* kind;
  const char* frame;  // a substring of one of the top frames
};

// Findings about third-party code that lastword has reported before.
constexpr known_third_party known_findings[] = {
    {"beast-huge-frame-allocation",
     "Boost.Beast 1.81 allocates about 2^58 bytes for a frame header declaring a huge length into an unbounded "
     "buffer (Beast issue 2879, fixed in Boost 1.86)",
     "oom", "boost::beast"},
};

}  // namespace

void classify(finding_result& f, const crash_report& crash, bool impl_fails, bool ref_fails,
              int lastword_replay_status) {
  if (!impl_fails) {
    f.classification = "not-reproducible";
    f.reason = "the minimized input no longer fails on " + f.implementation;
    return;
  }
  if (f.implementation != "reference" && !ref_fails) {
    f.classification = "variant-only";
    f.reason = "fails on " + f.implementation + ", the reference passes it";
    return;
  }
  if (f.kind != "violation") {
    for (const auto& k : known_findings) {
      if (f.kind != k.kind) continue;
      for (const auto& fr : crash.frames)
        if (fr.find(k.frame) != std::string::npos) {
          f.classification = "known-third-party";
          f.reason = std::string(k.name) + ": " + k.description;
          return;
        }
    }
    if (top_frame_in(crash, {"boost::"})) {
      f.classification = "third-party";
      f.reason = "the top frame is in Boost: " + crash.frames.front();
      return;
    }
    if (top_frame_in(crash, {"lastword::fuzz::", "lastword::history::", "check_receive", "check_assembler",
                             "lastword::explore::", "lastword::model::", "compare_with_beast"})) {
      f.classification = "harness-false-alarm";
      f.reason = "the checking code failed, not the implementation: " + crash.frames.front();
      return;
    }
    f.classification = "reference-bug";
    f.reason = f.kind + " in the reference: " + (crash.frames.empty() ? crash.summary : crash.frames.front());
    return;
  }
  // A violation the fuzz target reported on the reference: `lastword
  // replay`, a separate harness, must see it too.
  if (lastword_replay_status == 0) {
    f.classification = "harness-false-alarm";
    f.reason = "the fuzz target reports it but `lastword replay` finds every invariant held";
    return;
  }
  f.classification = "reference-bug";
  f.reason = "the reference violates " + f.invariant + " (the fuzz target and `lastword replay` agree)";
}

}  // namespace lastword::nightly
