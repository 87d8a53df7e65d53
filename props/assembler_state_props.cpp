// Stateful, model-based properties of the assembler (rapidcheck/state.h):
// the commands are the reader's and the consumer's calls (put a frame of a
// text or binary message, fragmented or not, with UTF-8 sequences split
// across fragments; end the input (by a close frame or an abort); get; get a fragment; cancel a stream;
// a second consumer); the model is assembler::queue_model, the abstract
// queue of the delivery contract; the system under test is the reference
// assembler or a planted variant. After every command its answer and its
// pause flag must be the model's. A failure prints the shrunk command
// sequence and the reproduce line (rc_main.cpp).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "lastword/assembler/assembler_check.hpp"
#include "planted.hpp"

namespace lastword::props {
namespace {

using assembler::op;

struct sut_t {
  std::unique_ptr<assembler::queue_under_test> q;
};

struct command final : rc::state::Command<assembler::queue_model, sut_t> {
  op o = [] {
    op x;
    x.k = *rc::gen::weightedElement<op::kind>({{6, op::kind::put},
                                               {3, op::kind::get},
                                               {2, op::kind::get_fragment},
                                               {1, op::kind::put_back},
                                               {1, op::kind::end},
                                               {1, op::kind::second_consumer}});
    if (x.k == op::kind::end) x.abort = *rc::gen::arbitrary<bool>();  // the transport lost, or a close frame
    if (x.k == op::kind::put) {
      x.fin = *rc::gen::weightedElement<bool>({{2, true}, {1, false}});
      x.text = *rc::gen::arbitrary<bool>();
      // Empty, short, split UTF-8 (c3|a9, e2 82|ac) and large payloads.
      x.payload = *rc::gen::oneOf(rc::gen::element<std::string>("", "a", "caf\xc3", "\xa9", "\xe2\x82", "\xac"),
                                  rc::gen::container<std::string>(rc::gen::arbitrary<char>()),
                                  rc::gen::map(rc::gen::inRange<std::size_t>(0, 70000),
                                               [](std::size_t n) { return std::string(n, 'x'); }));
    }
    return x;
  }();

  void checkPreconditions(const assembler::queue_model& m) const override { RC_PRE(m.allowed(o)); }
  void apply(assembler::queue_model& m) const override { m.apply(o); }
  void run(const assembler::queue_model& m, sut_t& sut) const override {
    auto after = m;
    const std::string want = assembler::to_string(after.apply(o));
    const std::string got = assembler::to_string(sut.q->apply(o));
    RC_ASSERT(got == want);
    RC_ASSERT(sut.q->paused() == after.paused());
  }
  void show(std::ostream& os) const override { os << assembler::describe(o); }
};

void matches_the_model(const std::string& name) {
  static const std::vector<std::size_t> highs{16, 2, 1, 0};
  assembler::options opts;
  opts.high = *rc::gen::elementOf(highs);
  opts.low = *rc::gen::inRange<std::size_t>(0, opts.high + 1);
  sut_t sut{impls::find_implementation(name)->queue(opts)};
  rc::state::check(assembler::queue_model(opts), sut, rc::state::gen::execOneOfWithArgs<command>());
}

RC_GTEST_PROP(AssemblerStateProps, ReferenceMatchesTheModel, ()) { matches_the_model("reference"); }

// The property can fail: it catches every registered variant that has a
// queue (impls::form::queue).
class AssemblerStatePropsCatch : public ::testing::TestWithParam<std::string> {};

TEST_P(AssemblerStatePropsCatch, StatefulPropertyCatchesTheVariant) {
  const std::string name = GetParam();
  expect_caught(name.c_str(), [name] { matches_the_model(name); }, 5000);
}

std::vector<std::string> assembler_variants() {
  std::vector<std::string> out;
  for (const auto* i : impls::expressed_by(impls::form::queue))
    if (i->expected) out.emplace_back(i->name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalog, AssemblerStatePropsCatch, ::testing::ValuesIn(assembler_variants()),
                         variant_test_name);

}  // namespace
}  // namespace lastword::props
