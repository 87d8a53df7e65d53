// Stateful, model-based properties (rapidcheck/state.h): commands are the
// model's actions; the model state is the set of formal-model states the
// connection may be in; the system under test is an implementation in the
// simulation, replaying the command sequence so far. After every command
// the consumer's results must be among those the model allows and the
// judge must find nothing (explore::check_step). RapidCheck shrinks a
// failing sequence to a short one.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>

#include "lastword/explore/explore.hpp"
#include "lastword/impls/registry.hpp"
#include "planted.hpp"

namespace lastword::props {
namespace {

model::scope stateful_scope() {
  model::scope sc;
  sc.max_messages = 3;
  sc.max_fragments = 3;
  sc.depth = 1000;  // the command sequence sets the length
  return sc;
}

const model::machine& machine() {
  static const model::machine m(stateful_scope());
  return m;
}

struct contract_model {
  std::vector<std::uint64_t> states;  // every model state the connection may be in
  std::vector<model::action> path;
  std::string impl;  // for its vocabulary: actions it cannot express are never generated
};

struct connection_sut {
  std::string impl;
};

struct act final : rc::state::Command<contract_model, connection_sut> {
  model::action a = *rc::gen::elementOf(machine().bounds().actions);

  void checkPreconditions(const contract_model& m) const override {
    bool enabled = false;
    for (auto packed : m.states) enabled = enabled || !machine().steps(model::state::unpack(packed), a).empty();
    RC_PRE(enabled);
    RC_PRE(explore::expressible(a, m.impl));
  }
  // The model keeps every successor: the implementation's results select
  // among them in run().
  void apply(contract_model& m) const override {
    std::vector<std::uint64_t> next;
    for (auto packed : m.states)
      for (const auto& x : machine().steps_or_stay(model::state::unpack(packed), a)) next.push_back(x.next.pack());
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    m.states = std::move(next);
    m.path.push_back(a);
  }
  void run(const contract_model& m, connection_sut& sut) const override {
    auto path = m.path;
    path.push_back(a);
    std::vector<std::uint64_t> next;
    bool not_applicable = false;
    const auto f = explore::check_step(machine(), m.states, path, sut.impl, next, nullptr, &not_applicable);
    // A run the implementation cannot express (say, a second concurrent
    // read on beast) ends the case without a verdict.
    RC_PRE(!not_applicable);
    if (f) {
      RC_LOG() << "counterexample (lastword replay FILE --impl " << sut.impl << "):\n"
               << scenario::print(f->counterexample) << f->what << '\n';
    }
    RC_ASSERT(!f);
  }
  void show(std::ostream& os) const override { os << model::action_name(a); }
};

void refines_the_model(const std::string& impl) {
  const auto script = *rc::gen::inRange<std::size_t>(0, machine().scripts().size());
  model::state initial;
  initial.script = static_cast<std::uint8_t>(script);
  connection_sut sut{impl};
  rc::state::check(contract_model{{initial.pack()}, {}, impl}, sut, rc::state::gen::execOneOfWithArgs<act>());
}

RC_GTEST_PROP(ConnectionStateProps, ReferenceRefinesTheModel, ()) { refines_the_model("reference"); }

// The stateful property can fail: it catches every catalog variant.
class ConnectionStatePropsCatch : public ::testing::TestWithParam<std::string> {};

TEST_P(ConnectionStatePropsCatch, StatefulPropertyCatchesTheVariant) {
  const std::string name = GetParam();
  expect_caught(name.c_str(), [name] { refines_the_model(name); }, 5000);
}

INSTANTIATE_TEST_SUITE_P(Catalog, ConnectionStatePropsCatch, ::testing::ValuesIn(catalog_variants(true)),
                         variant_test_name);

// Other libraries: what lastword found in them (README) keeps being found.
INSTANTIATE_TEST_SUITE_P(Libraries, ConnectionStatePropsCatch, ::testing::ValuesIn(other_libraries()),
                         variant_test_name);

}  // namespace
}  // namespace lastword::props
