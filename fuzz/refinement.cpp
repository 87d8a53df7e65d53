// Fuzz target: paths of the formal model, on an implementation.
//
// Byte 0 picks the peer script (up to 3 messages of up to 3 fragments, with
// or without a ping); every further byte is one model action. The
// implementation runs the path once in the simulation; the model follows it
// (sets of states where one turn leaves the order open), and every step's
// results must be among those it allows; the judge checks the history too.
// Deeper than `lastword explore`'s bounded scope, guided by coverage.
//
// LASTWORD_IMPL=NAME runs another registered implementation.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lastword/explore/explore.hpp"
#include "impl_env.hpp"

namespace {

std::string g_impl = "reference";

const lastword::model::machine& machine() {
  static const lastword::model::machine m([] {
    lastword::model::scope sc;
    sc.max_messages = 3;
    sc.max_fragments = 3;
    sc.pings = true;
    return sc;
  }());
  return m;
}

constexpr std::size_t max_actions = 48;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_impl = lastword::fuzz::impl_from_env("refinement");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& m = machine();
  const auto script = static_cast<std::uint8_t>(data[0] % m.scripts().size());
  std::vector<lastword::model::action> path;
  // The actions the implementation can express (all, but for libraries
  // such as beast): an input never asks for one it cannot.
  static const auto actions = [&m] {
    std::vector<lastword::model::action> out;
    for (auto a : m.bounds().actions)
      if (lastword::explore::expressible(a, g_impl)) out.push_back(a);
    return out;
  }();
  for (std::size_t i = 1; i < size && path.size() < max_actions; ++i) path.push_back(actions[data[i] % actions.size()]);
  const auto f = lastword::explore::check_path(m, script, path, g_impl);
  if (!f) return 0;
  std::fprintf(stderr, "refinement: violation by %s:\n  %c violated: %s\n--- scenario ---\n%s--- end ---\n",
               g_impl.c_str(), f->invariant, f->what.c_str(), lastword::scenario::print(f->counterexample).c_str());
  std::abort();
}
