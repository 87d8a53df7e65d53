// lastword/explore/refinement_input.hpp: what an input of the refinement
// fuzz target means, shared by the target and `lastword replay --kind
// refinement` so that a finding replays exactly as it was found.
//
// Byte 0 picks the peer script (the scope: up to 3 messages of up to 3
// fragments, with or without a ping); every further byte is one model
// action, among those the implementation can express, up to 48 actions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lastword/explore/explore.hpp"

namespace lastword::explore {

inline const model::machine& refinement_machine() {
  static const model::machine m([] {
    model::scope sc;
    sc.max_messages = 3;
    sc.max_fragments = 3;
    sc.pings = true;
    return sc;
  }());
  return m;
}

inline constexpr std::size_t refinement_max_actions = 48;

struct refinement_input {
  std::uint8_t script = 0;
  std::vector<model::action> path;
};

// Empty input: nothing to run.
inline std::optional<refinement_input> refinement_input_from_bytes(std::span<const std::uint8_t> bytes,
                                                                   const std::vector<model::action>& actions) {
  if (bytes.empty() || actions.empty()) return std::nullopt;
  const auto& m = refinement_machine();
  refinement_input in;
  in.script = static_cast<std::uint8_t>(bytes[0] % m.scripts().size());
  for (std::size_t i = 1; i < bytes.size() && in.path.size() < refinement_max_actions; ++i)
    in.path.push_back(actions[bytes[i] % actions.size()]);
  return in;
}

// The scope's actions that `impl` can express (all, but for libraries such
// as beast): an input never asks for one it cannot.
inline std::vector<model::action> refinement_actions(std::string_view impl) {
  std::vector<model::action> out;
  for (auto a : refinement_machine().bounds().actions)
    if (expressible(a, impl)) out.push_back(a);
  return out;
}

}  // namespace lastword::explore
