// lastword/blackbox/run.hpp: one black-box run over real TCP.
//
// run_client listens on 127.0.0.1 (an ephemeral port), starts the client
// adapter with the URL, performs the real HTTP upgrade (negotiating
// permessage-deflate when the scenario asks for it), plays the peer lane of
// the plan as TCP writes (TCP_NODELAY; FIN by shutdown; reset by SO_LINGER
// 0), reads and decodes everything the client writes, and collects the
// adapter's result lines. Every run has a wall-clock bound: at its end the
// adapter's process group is killed. This file and run.cpp are the only
// black-box files that include Asio.
#pragma once

#include <cstdint>
#include <string>

#include "lastword/blackbox/plan.hpp"
#include "lastword/blackbox/translate.hpp"

namespace lastword::blackbox {

struct run_options {
  std::string command;        // with {url} (client) or {port} (server) in it
  profile prof = profile::recv;
  std::uint64_t timeout_ms = 10000;
  bool server = false;        // the command is a server; lastword is its client peer
};

struct run_outcome {
  enum class status : std::uint8_t { ran, not_applicable, broken };
  status st = status::ran;
  std::string problem;        // not_applicable, broken: why
  std::string stderr_text;    // the adapter's stderr (bounded)
  int exit_status = 0;
  plan pl;                    // the plan as played
  observation obs;
};

// REQUIRES: s.role is client when !o.server, server when o.server.
run_outcome run(const scenario::scenario& s, const run_options& o, std::uint64_t seed);

}  // namespace lastword::blackbox
