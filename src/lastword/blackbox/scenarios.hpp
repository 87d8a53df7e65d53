// lastword/blackbox/scenarios.hpp: the built-in black-box scenario set.
//
// Each scenario probes one invariant of SPEC.md with an end that real
// implementations have mishandled; docs/blackbox.md explains each. They are
// ordinary scenarios (the text form of scenario.hpp), written for the
// client role; --server turns the role around. Standard library only.
#pragma once

#include <string>
#include <vector>

namespace lastword::blackbox {

struct named_scenario {
  std::string name;
  std::string probes;  // the invariants it probes
  std::string text;    // the scenario's text form
};

const std::vector<named_scenario>& default_scenarios();

}  // namespace lastword::blackbox
