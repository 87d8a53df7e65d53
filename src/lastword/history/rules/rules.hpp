// lastword/history/rules/rules.hpp: the judge's rules, one file per
// invariant group, over one shared replay of the history.
//
// Internal to history/: judge.cpp replays the history once (what was
// received, when the input ended) and hands each rule the facts it needs
// as a context; a rule reports through `flag` and keeps no state of its own
// between histories. Standard library only.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lastword/history/history.hpp"
#include "lastword/history/invariant.hpp"
#include "lastword/scenario/scenario.hpp"

namespace lastword::history::rules {

using flag_fn = std::function<void(invariant, std::size_t step, std::string what)>;

// What the shared replay found, for the rules that run after it.
struct context {
  const scenario::scenario& s;
  const history& h;
  std::vector<std::size_t> turns;  // the scheduler turn of each step (steps joined by ';' share one)
  bool input_ended = false;
  std::size_t input_end_step = 0;
  bool stalled_at_end = false;  // writes stalled by the schedule and never released

  context(const scenario::scenario& sc, const history& hi) : s(sc), h(hi) {
    std::size_t t = 0;
    turns.reserve(sc.schedule.size() + 1);
    for (std::size_t i = 0; i < sc.schedule.size(); ++i) {
      turns.push_back(t);
      if (!sc.schedule[i].same_turn_as_next) ++t;
    }
    turns.push_back(t);  // the end
  }
  std::size_t turn(std::size_t step) const { return turns[std::min(step, turns.size() - 1)]; }
};

// S: messages sent before close are sent (rules/send.cpp).
void check_send(const context& cx, const flag_fn& flag);

}  // namespace lastword::history::rules
