// lastword/scenario/generate.hpp: any byte string as a scenario.
//
// from_bytes() reads bytes as a sequence of choices (options, the peer's
// messages and how its script ends, then schedule steps) and always returns
// a valid scenario. It is the input format of the scenario fuzz targets and
// the generator of the properties: mutating or shrinking the bytes mutates
// or shrinks the scenario, and every input is meaningful. Missing bytes read
// as zero, which picks the simplest choice, so shorter inputs give simpler
// scenarios.
#pragma once

#include <cstdint>
#include <span>

#include "lastword/scenario/scenario.hpp"

namespace lastword::scenario {

inline constexpr std::size_t max_generated_steps = 24;

// The consumer steps an implementation can express. A library without
// per-call timeouts, streaming reads or non-destructive cancellation gets
// scenarios without them: a choice it cannot express becomes a plain
// recv(), so every input still means something.
struct vocabulary {
  bool timeouts = true;   // recv() with a timeout, including zero
  bool streaming = true;  // recv_streaming()
  bool cancel = true;     // cancelling a pending recv()

  // The first step of `s` outside this vocabulary, as a sentence; empty
  // when every step is inside.
  std::string outside(const scenario& s) const;

  friend bool operator==(const vocabulary&, const vocabulary&) = default;
};

// schedule_offset, when given, receives where the schedule's choices start
// in `bytes` (the options and the peer script come before): the scenario
// fuzzer's mutator works on the two parts separately.
scenario from_bytes(std::span<const std::uint8_t> bytes, std::size_t* schedule_offset = nullptr,
                    const vocabulary& v = {});

// The schedule_offset of from_bytes(bytes), without building the scenario
// (the mutator asks on every mutation; payloads reach 70 KB).
std::size_t schedule_offset(std::span<const std::uint8_t> bytes);

}  // namespace lastword::scenario
