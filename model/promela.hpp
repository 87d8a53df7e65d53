// model/promela.hpp: the model's scope as a Promela model for SPIN.
//
// model/promela/contract.pml states the contract a second time, in
// Promela; promela() puts a scope on top of it (marks, flaw, actions, and
// the peer scripts with their frame tables) so that SPIN explores the same
// state space as model::explore. SPIN's "states, stored" is lastword's
// state count plus one: the state before the script is chosen.
#pragma once

#include <string>

#include "model/model.hpp"

namespace lastword::model {

// The whole Promela model (self-contained: the contract is embedded).
std::string promela(const machine& m, flaw f = flaw::none);

// SPIN's state count for a lastword state count of the same scope.
inline std::uint64_t spin_states(std::uint64_t lastword_states) { return lastword_states + 1; }

}  // namespace lastword::model
