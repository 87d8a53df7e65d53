// lastword/blackbox/plan.hpp: a scenario as two lanes of real-time actions.
//
// Over real TCP the peer and the consumer run in different processes, so a
// scenario's schedule splits into the peer lane (what lastword writes and
// when: each `read` boundary is one TCP write, `eof` a FIN, `reset` an
// abortive close, `stall-writes` stops lastword from reading) and the
// consumer lane (what the adapter is told to do: recv, recv with a timeout,
// close, sleep or block its event loop). `advance MS` delays the next step
// of the lane that step belongs to. Delays drawn from a seed are added
// before the consumer's first step and between the peer's writes, so that
// repetitions explore different interleavings and each replays from its
// seed. Standard library only.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lastword/scenario/scenario.hpp"
#include "lastword/wire/deflate.hpp"

namespace lastword::blackbox {

// How the consumer's results are observed (SPEC "Profiles"): recv() calls,
// or the events a push API dispatches.
enum class profile : std::uint8_t { recv, events };
std::string_view profile_name(profile p) noexcept;

struct consumer_step {
  // send: the consumer's own message (invariant S), from a scenario `send
  // text|binary PAYLOAD` step.
  enum class kind : std::uint8_t { recv, sleep, block, close, send };
  kind k = kind::recv;
  std::uint64_t ms = 0;                   // sleep, block
  std::optional<std::uint64_t> timeout{}; // recv
  std::uint16_t code = 1000;              // close
  std::string reason{};                   // close
  std::size_t step = 0;                   // scenario schedule index (sleep: of the step it delays)
  bool drawn = false;                     // a delay drawn from the seed
  bool text = true;                       // send
  std::string data{};                     // send
};

struct peer_action {
  enum class kind : std::uint8_t { write, shutdown, reset, delay, stop_reading, resume_reading };
  kind k = kind::write;
  std::size_t from = 0, to = 0;  // write: bytes [from, to) of the peer stream
  std::uint64_t ms = 0;          // delay
  std::size_t step = 0;          // scenario schedule index
  bool drawn = false;
};

// The bytes lastword sends as the peer: the scenario's frames, compressed
// per message when permessage-deflate is on, masked when the peer is a
// client. frame_ends as in scenario::encode_peer.
struct peer_stream {
  std::string bytes;
  std::vector<std::size_t> frame_ends;
};
peer_stream encode_stream(const scenario::scenario& s, const std::optional<wire::deflate_params>& deflate);

struct plan {
  std::vector<peer_action> peer;
  std::vector<consumer_step> consumer;
  bool peer_ends = false;  // the peer lane ends the transport (eof or reset)
  // Non-empty: a step an adapter cannot be told (a fragmented send, a
  // cancel); the run is not applicable.
  std::string not_expressible;
};

// Delays drawn from `rng`: up to max_consumer_delay_ms before the
// consumer's first step, up to max_write_delay_ms before each write that
// is not joined by ';' to the step before it.
inline constexpr std::uint64_t max_consumer_delay_ms = 30;
inline constexpr std::uint64_t max_write_delay_ms = 3;
plan make_plan(const scenario::scenario& s, profile p, const peer_stream& stream, std::mt19937_64& rng);

// The seed of one repetition of one scenario (so that any run replays
// alone with --seed and --only-repetition).
std::uint64_t run_seed(std::uint64_t seed, std::size_t repetition) noexcept;

}  // namespace lastword::blackbox
