#include "model/checker.hpp"

#include <gtest/gtest.h>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::model {
namespace {

TEST(Model, PackThenUnpackIsTheIdentity) {
  state s;
  s.script = 7;
  s.offered = 5;
  s.read = 4;
  s.consumed = 3;
  s.delivered = 2;
  s.taken = 1;
  s.yielded = 2;
  s.end = 5;
  s.call = 3;
  s.eof = s.timer = s.raised = true;
  EXPECT_EQ(state::unpack(s.pack()), s);
}

TEST(Model, ScriptsCoverEveryFragmentationAndEnd) {
  scope sc;
  sc.max_messages = 2;
  sc.max_fragments = 2;
  // 1 + 2 + 4 fragmentations, three ends each.
  EXPECT_EQ(scripts_in(sc).size(), 21u);
}

// Counted by hand: the empty script with no end frame; EOF and recv.
// S0 -eof-> S1 (EOF read, input ended), S0 -recv-> S2 (recv waits),
// S1 -recv-> S3 (ConnectionClosed), S2 -eof-> S3, S2 -recv-> S2 (busy),
// S3 -recv-> S3: 4 states, 6 transitions.
TEST(Model, TinyScopeHasTheStateCountComputedByHand) {
  scope sc;
  sc.max_messages = 0;
  sc.ends = {script_end::none};
  sc.actions = {action::eof, action::recv};
  sc.depth = 10;
  const auto r = explore(machine(sc));
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.states, 4u);
  EXPECT_EQ(r.transitions, 6u);
}

// One message of one fragment, no end frame; read and recv.
// S0 -read-> A, S0 -recv-> B, A -recv-> C (delivered), B -read-> C,
// B -recv-> B (busy), C -recv-> D (waits), D -recv-> D (busy):
// 5 states, 7 transitions.
TEST(Model, OneMessageScopeHasTheStateCountComputedByHand) {
  scope sc;
  sc.max_messages = 1;
  sc.max_fragments = 1;
  sc.ends = {script_end::none};
  sc.actions = {action::read_frame, action::recv};
  sc.high = 16;
  sc.low = 4;
  sc.depth = 10;
  const machine m(sc);
  ASSERT_EQ(m.scripts().size(), 2u);  // zero messages, or one
  // The empty script adds S0' -recv-> B' and B' -recv-> B' (busy): 2 states, 2 transitions.
  const auto r = explore(m);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.states, 5u + 2u);
  EXPECT_EQ(r.transitions, 7u + 2u);
}

TEST(Model, CorrectSpecPassesTheDefaultScope) {
  const auto r = explore(machine(scope{}));
  EXPECT_FALSE(r.found) << (r.found ? std::string(1, r.found->v.invariant) + ": " + r.found->v.what : "");
  EXPECT_GT(r.states, 1000u);
}

TEST(Model, PingsAddScriptsAndTheSpecStillHolds) {
  scope sc;
  sc.pings = true;
  const machine m(sc);
  EXPECT_EQ(m.scripts().size(), 42u);
  const auto r = explore(m);
  EXPECT_FALSE(r.found) << (r.found ? r.found->v.what : "");
}

struct flaw_case {
  flaw f;
  char invariant;
  const char* variant;  // the catalog variant with the same mistake, if any
};

class BrokenSpec : public ::testing::TestWithParam<flaw_case> {};

TEST_P(BrokenSpec, IsRejectedWithAShortCounterexampleThatReplaysOnItsVariant) {
  const auto c = GetParam();
  const machine m(scope{}, c.f);
  const auto r = explore(m);
  ASSERT_TRUE(r.found) << flaw_name(c.f) << " was not rejected";
  EXPECT_EQ(r.found->v.invariant, c.invariant) << r.found->v.what;
  EXPECT_LE(r.found->path.size(), 5u);
  // The counterexample is a scenario: the reference passes it and the
  // catalog variant with the same mistake fails it.
  // recv calls at the end make a loss visible from outside.
  auto s = m.to_scenario(r.found->initial, r.found->path);
  scenario::step recv;
  recv.k = scenario::step::kind::recv;
  for (int i = 0; i < 3; ++i) s.schedule.push_back(recv);
  EXPECT_TRUE(history::judge(s, impls::run_in_simulation(s, "reference")).empty()) << scenario::print(s);
  if (c.variant) {
    EXPECT_FALSE(history::judge(s, impls::run_in_simulation(s, c.variant)).empty()) << scenario::print(s);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Flaws, BrokenSpec,
    ::testing::Values(flaw_case{flaw::closed_before_drain, 'D', "ws14-closed-before-drain"},
                      flaw_case{flaw::end_clears_queue, 'D', "ws14-abort-clears-queue"},
                      flaw_case{flaw::zero_timeout_first, 'T', "ws14-timeout-zero"},
                      flaw_case{flaw::no_timeout_if_paused, 'L', "ws14-close-while-paused"},
                      flaw_case{flaw::cancel_loses_message, 'D', nullptr}),
    [](const auto& info) {
      std::string n(flaw_name(info.param.f));
      for (auto& ch : n)
        if (ch == '-') ch = '_';
      return n;
    });

}  // namespace
}  // namespace lastword::model
