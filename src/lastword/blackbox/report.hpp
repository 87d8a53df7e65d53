// lastword/blackbox/report.hpp: verdicts of black-box runs, as tables.
//
// A cell is one implementation on one scenario: how many runs were
// judged, how many violated which invariant, messages delivered against
// expected, and the timeline of the first violating run with the seed and
// repetition that replay it. Markdown for people, JSON (Boost.JSON) for
// tools; this and adapter.cpp are the only files that include Boost.JSON.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lastword::blackbox {

struct cell {
  std::string impl, scenario;
  std::size_t runs = 0, violated = 0, not_applicable = 0;
  std::map<char, std::size_t> by_invariant{};
  std::size_t delivered = 0, expected = 0;
  std::string first_violation{}; // the judge's description
  std::string timeline{};        // of the first violating run
  std::string reproduce{};       // the command that replays it
  std::string not_applicable_why{};
};

struct report {
  std::uint64_t seed = 0;
  std::size_t repeat = 0;
  std::string profile;
  double seconds = 0;
  std::vector<std::string> impls, scenarios;
  std::vector<cell> cells;
};

std::string to_markdown(const report& r);
std::string to_json(const report& r);
// "3/20 D" or "0/20" or "n/a".
std::string verdict(const cell& c);

}  // namespace lastword::blackbox
