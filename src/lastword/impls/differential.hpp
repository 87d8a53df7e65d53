// lastword/impls/differential.hpp: lastword and Boost.Beast's websocket
// stream, fed the same received bytes.
//
// One endpoint (client or server) receives a byte stream, then EOF, all
// before the application reads; then the application calls recv() until
// the connection ends. Both run in the simulation as registered
// implementations (lastword's side is the reference, or a variant to show
// that the comparison catches it): the same scenario, a peer script of raw
// bytes. They must deliver the same messages (type and bytes, in order) and
// report the same end: the peer's close code (1005 when it had none), the
// code the endpoint failed the connection with, or 1006 when no close frame
// arrived.
//
// Where the two differ by design, the comparison names the documented
// exception (differential.cpp) instead of a difference.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lastword/scenario/scenario.hpp"

namespace lastword::impls {

struct receive_outcome {
  struct message {
    bool text = true;
    std::string data;
    friend bool operator==(const message&, const message&) = default;
  };
  std::vector<message> messages;
  std::uint16_t code = 0;  // how it ended; 0: recv() never raised
};

struct differential_case {
  wire::role role = wire::role::server;  // the receiving endpoint's role
  std::uint64_t max_message = 1 << 20;
  std::string stream;  // what the peer sent
  // permessage-deflate agreed (scenario option deflate): both sides run
  // their own (lastword's on zlib, Beast's permessage_deflate); the stream
  // carries the compressed bytes as they are.
  bool deflate = false;
  bool no_context_takeover = false;
};

// Byte 0: bit 0 the role, bits 1-5 the size limit (16 B to 1 MiB), bit 6
// permessage-deflate, bit 7 no_context_takeover with it; the rest is the
// stream.
differential_case differential_case_from_bytes(const std::uint8_t* data, std::size_t size);

// The case as a scenario (`lastword replay` shows it on either side).
scenario::scenario differential_scenario(const differential_case& c);

receive_outcome receive_in_simulation(const differential_case& c, std::string_view impl);

struct comparison {
  std::string difference;  // empty when they agree
  std::string exception;   // the documented exception that explains a difference, if one does
};

comparison compare_with_beast(const differential_case& c, std::string_view impl = "reference");

}  // namespace lastword::impls
