// lastword/blackbox/adapter.hpp: the adapter contract (clients/README.md).
//
// An adapter is a small program that drives one WebSocket library as the
// consumer. lastword starts it with the URL (or port) in its command line
// and these environment variables:
//   LASTWORD_URL      ws://127.0.0.1:PORT/ (client adapters)
//   LASTWORD_PORT     the port to listen on (server adapters)
//   LASTWORD_PROFILE  recv | events
//   LASTWORD_DEFLATE  1 when the scenario uses permessage-deflate: offer it
//   LASTWORD_STEPS    a JSON array of the consumer's steps, in order:
//     {"do":"recv"}  {"do":"recv","timeout":MS}  {"do":"sleep","ms":MS}
//     {"do":"block","ms":MS}  {"do":"close","code":N,"reason":"..."}
//     {"do":"send","type":"text","data":"..."}  {"do":"send","type":"binary","hex":"..."}
//       (send prints {"result":"sent"} under recv, nothing under events)
// The adapter prints one JSON object a line on stdout for each result:
//     {"result":"message","type":"text","data":"..."}
//     {"result":"message","type":"binary","hex":"0a1b..."}
//     {"result":"closed","code":N,"reason":"...","clean":BOOL[,"normal":BOOL]}
//     {"result":"timeout"}
//     {"result":"sent"}              a send step completed (recv profile)
//     {"result":"error","text":"..."}
//     {"result":"unsupported","text":"..."}  the library cannot do this
//                                   step: the run is not applicable
// Under the recv profile: one line per recv and per close step (the status
// close() ended with). Under the events profile: one line per dispatched
// event, in dispatch order (recv steps are ignored), ending with the close
// event; then it exits. This file parses and writes those lines with
// Boost.JSON; nothing else in lastword includes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lastword/blackbox/plan.hpp"

namespace lastword::blackbox {

std::string steps_json(const std::vector<consumer_step>& steps);

struct adapter_result {
  enum class kind : std::uint8_t { message, closed, timeout, error, unsupported, sent };
  kind k = kind::closed;
  bool text = true;
  std::string data;
  std::uint16_t code = 0;
  std::string reason;
  bool clean = false;
  std::optional<bool> normal;
  std::string error;
};

// One line of adapter output. On failure, what is wrong with it.
std::variant<adapter_result, std::string> parse_result_line(std::string_view line);

// For timelines: the result as compact text.
std::string describe(const adapter_result& r);

}  // namespace lastword::blackbox
