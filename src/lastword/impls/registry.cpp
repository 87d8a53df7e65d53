#include "lastword/impls/registry.hpp"

#include "lastword/sim/target.hpp"
#include "lastword/wire/assert.hpp"

namespace lastword::impls {

std::string_view to_string(form f) {
  switch (f) {
    case form::connection: return "connection";
    case form::model: return "model";
    case form::receiver: return "receiver";
    case form::queue: return "queue";
    case form::differential: return "differential";
  }
  return "?";
}

std::optional<form> fuzz_target_form(std::string_view target) {
  if (target == "connection") return form::connection;
  if (target == "refinement") return form::model;
  if (target == "protocol_receive") return form::receiver;
  if (target == "assembler") return form::queue;
  if (target == "differential") return form::differential;
  return std::nullopt;
}

namespace {

std::string missing(std::string_view what, std::string_view why) {
  return std::string(what) + (why.empty() ? " (the entry does not say why)" : ": " + std::string(why));
}

}  // namespace

std::string not_expressed(const implementation& i, form f) {
  // The model and the comparison with Beast run the connection.
  if ((f == form::connection || f == form::model || f == form::differential) && !i.connection)
    return missing("no connection", i.no_connection);
  switch (f) {
    case form::connection: return {};
    case form::model: return i.beyond_model.empty() ? std::string() : "beyond the model: " + std::string(i.beyond_model);
    case form::differential:
      return i.beyond_differential.empty() ? std::string()
                                           : "not compared with Beast: " + std::string(i.beyond_differential);
    case form::receiver: return i.receiver ? std::string() : missing("no Sans-I/O receiver", i.no_receiver);
    case form::queue: return i.queue ? std::string() : missing("no queue", i.no_queue);
  }
  return "unknown form";
}

std::vector<const implementation*> expressed_by(form f) {
  std::vector<const implementation*> out;
  for (const auto& i : all_implementations())
    if (expresses(i, f)) out.push_back(&i);
  return out;
}

const std::vector<implementation>& implementations() {
  static const std::vector<implementation> expressible = [] {
    std::vector<implementation> out;
    for (const auto* i : expressed_by(form::model)) out.push_back(*i);
    return out;
  }();
  return expressible;
}

const implementation* find_implementation(std::string_view name) {
  for (const auto& i : all_implementations())
    if (i.name == name) return &i;
  return nullptr;
}

std::string regression_file(const implementation& i) {
  LASTWORD_ASSERT(i.expected != 0);
  return std::string(i.name) + (i.connection ? ".scenario" : ".assembler");
}

std::string not_applicable(const scenario::scenario& s, std::string_view name) {
  const implementation* i = find_implementation(name);
  LASTWORD_ASSERT(i);
  if (!i->connection) return std::string(name) + " has " + not_expressed(*i, form::connection);
  const std::string outside = i->vocab.outside(s);
  return outside.empty() ? outside : std::string(name) + " cannot express " + outside;
}

history::history run_in_simulation(const scenario::scenario& s, const implementation& i) {
  LASTWORD_ASSERT(i.connection);
  return sim::run(s, sim::target_factory(i.connection), std::string(i.name));
}

namespace {
// The entry to run `s` on, or a history that says why it is not applicable.
const implementation* runnable(const scenario::scenario& s, std::string_view name, history::history& h) {
  const implementation* i = find_implementation(name);
  LASTWORD_ASSERT(i);
  if (std::string why = not_applicable(s, name); !why.empty()) {
    h.impl = std::string(name);
    h.not_applicable = std::move(why);
    return nullptr;
  }
  return i;
}
}  // namespace

history::history run_in_simulation(const scenario::scenario& s, std::string_view name) {
  history::history h;
  const implementation* i = runnable(s, name, h);
  return i ? run_in_simulation(s, *i) : h;
}

history::history run_in_simulation(const scenario::scenario& s, const scenario::peer_bytes& peer,
                                   std::string_view name) {
  history::history h;
  const implementation* i = runnable(s, name, h);
  return i ? sim::run(s, peer, sim::target_factory(i->connection), std::string(i->name)) : h;
}

std::optional<std::vector<history::violation>> run_and_judge(const scenario::scenario& s, std::string_view name,
                                                             const history::judge_options& o) {
  const scenario::peer_bytes peer = scenario::encode_peer(s);
  const history::history h = run_in_simulation(s, peer, name);
  if (!h.not_applicable.empty()) return std::nullopt;
  return history::judge(s, peer, h, o);
}

scenario::scenario scenario_from_bytes(std::span<const std::uint8_t> bytes, std::string_view name,
                                       std::size_t* schedule_offset) {
  const implementation* i = find_implementation(name);
  LASTWORD_ASSERT(i);
  // A scenario file (it starts with a comment line and parses whole) is
  // that scenario: the regression scenarios seed the fuzz corpus as they are.
  if (!bytes.empty() && bytes[0] == '#') {
    auto parsed = scenario::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (auto* s = std::get_if<scenario::scenario>(&parsed)) {
      if (schedule_offset) *schedule_offset = 0;
      return std::move(*s);
    }
  }
  return scenario::from_bytes(bytes, schedule_offset, i->vocab);
}

}  // namespace lastword::impls
