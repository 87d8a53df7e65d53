// lastword/impls/registry.hpp: the implementations under test, by name: the
// one registry every layer reads.
//
// `reference` is lastword's own stack. Every other entry is a regression
// variant of it (one small, documented difference that reproduces a real
// bug of a WebSocket library, named in the entry's provenance, or a planted
// bug of lastword's own design), or another library. An entry carries its
// provenance and a factory for each form in which a layer can run it: the
// connection in the simulation, the Sans-I/O receiver, the message queue.
// A layer runs every entry it can express, derived from those factories
// (and, for the layers built on the connection, from the entry's own word
// that its difference lies beyond them); where it cannot, the entry says
// why and the layer prints it as n/a. A name means the same bug in every
// form. The entries live in impls/variants.cpp, beside the connection
// variants; adding a variant is one entry and its regression file
// (corpus/regressions/NAME.scenario, or NAME.assembler for an entry that
// exists as a queue alone), which registry_test holds it to.
//
// Thread rule: the registry is immutable after its first use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lastword/assembler/assembler_check.hpp"
#include "lastword/history/history.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/protocol/receive_check.hpp"
#include "lastword/scenario/generate.hpp"
#include "lastword/scenario/scenario.hpp"

namespace boost::asio {
class io_context;
}
namespace lastword::sim {
class target;
}

namespace lastword::impls {

// The implementation as a connection over the simulated transport.
using connection_factory = std::unique_ptr<sim::target> (*)(boost::asio::io_context&, const scenario::scenario&);
// The implementation's Sans-I/O receive path.
using receiver_factory = std::unique_ptr<protocol::receiver> (*)(const protocol::options&, wire::mask_source);

// The forms in which the layers run an implementation.
enum class form : std::uint8_t {
  connection,    // the connection in the simulation: random scenarios, properties, the connection fuzzer, replay
  model,         // that connection on model paths: the model checker, the refinement fuzzer, the stateful properties
  receiver,      // the Sans-I/O receive path: the protocol_receive fuzzer
  queue,         // the message queue alone: the assembler fuzzer and its stateful property
  differential,  // that connection against Boost.Beast on received bytes: the differential fuzzer
};
inline constexpr form all_forms[] = {form::connection, form::model, form::receiver, form::queue, form::differential};
std::string_view to_string(form f);
// The form the fuzz target fuzz/NAME.cpp runs: connection, refinement
// (model), protocol_receive (receiver), assembler (queue), differential;
// nullopt for another name.
std::optional<form> fuzz_target_form(std::string_view target);

struct implementation {
  std::string_view name;
  std::string_view library;     // where the bug lived
  std::string_view versions;    // affected, and the fix
  std::string_view reference;   // issue or changelog entry
  std::string_view difference;  // what the variant does differently
  char expected = 0;            // the invariant its regression file violates; 0 for the reference and other libraries
  scenario::vocabulary vocab{}; // the consumer steps its connection can express
  bool catalog = true;          // a regression variant (or the reference) rather than another library

  // The factories of the forms that can express it; null where none can.
  connection_factory connection = nullptr;
  receiver_factory receiver = nullptr;
  assembler::queue_factory queue = nullptr;

  // Why it has no factory of a form (each required where the factory is
  // null), in the words the layers print after "no ...:".
  std::string_view no_connection = {};
  std::string_view no_receiver = {};
  std::string_view no_queue = {};
  // Why the formal model (model/) cannot express its connection's
  // difference, so that the model-based layers do not run it; empty when
  // it can.
  std::string_view beyond_model = {};
  // Why the differential comparison's schedule (the received bytes, EOF,
  // then recv() until the end) cannot show its connection's difference, or
  // why it is not compared; empty when it can.
  std::string_view beyond_differential = {};
};

// Every implementation: the reference, the catalog, the planted variants,
// other libraries, in the order the tools print them.
const std::vector<implementation>& all_implementations();
const implementation* find_implementation(std::string_view name);

// Why form `f` cannot express `i`, from the entry ("no Sans-I/O receiver:
// ..."); empty when it can.
std::string not_expressed(const implementation& i, form f);
inline bool expresses(const implementation& i, form f) { return not_expressed(i, f).empty(); }
// The entries form `f` expresses, in registry order: the views the layers
// iterate.
std::vector<const implementation*> expressed_by(form f);
// The entries the model-based layers can run (expressed_by(form::model)).
const std::vector<implementation>& implementations();

// The regression file of a variant: NAME.scenario when it has a
// connection, NAME.assembler (an input of the assembler target) when it is
// a queue alone. REQUIRES: i.expected != 0.
std::string regression_file(const implementation& i);

// Why `s` cannot run on the named implementation (a step outside its
// vocabulary, or no connection), or empty. REQUIRES: find_implementation(name) != nullptr.
std::string not_applicable(const scenario::scenario& s, std::string_view name);

// Runs `s` on the named implementation in the simulation. A scenario it
// cannot express, statically or as the run goes, gives a history whose
// `not_applicable` says why; the caller reports it as such.
// REQUIRES: find_implementation(name) != nullptr.
history::history run_in_simulation(const scenario::scenario& s, std::string_view name);
// The same for an entry that need not be registered (registry_test's
// planted inconsistent entry). REQUIRES: i.connection != nullptr.
history::history run_in_simulation(const scenario::scenario& s, const implementation& i);
// The same with the peer stream already encoded (REQUIRES: peer is
// scenario::encode_peer(s)), for a caller that judges the run with it too.
history::history run_in_simulation(const scenario::scenario& s, const scenario::peer_bytes& peer,
                                   std::string_view name);

// Runs and judges `s`: the violations (empty: every invariant holds), or
// nullopt when the run was not applicable to the implementation.
std::optional<std::vector<history::violation>> run_and_judge(const scenario::scenario& s, std::string_view name,
                                                             const history::judge_options& o = {});

// The scenario that `bytes` decode into for the named implementation (in
// its vocabulary), as the scenario fuzz targets and properties read them;
// bytes that are a scenario file (starting with '#') are that scenario.
scenario::scenario scenario_from_bytes(std::span<const std::uint8_t> bytes, std::string_view name,
                                       std::size_t* schedule_offset = nullptr);

}  // namespace lastword::impls
