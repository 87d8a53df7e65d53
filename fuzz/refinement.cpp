// Fuzz target: paths of the formal model, on an implementation.
//
// Byte 0 picks the peer script (up to 3 messages of up to 3 fragments, with
// or without a ping); every further byte is one model action. The
// implementation runs the path once in the simulation; the model follows it
// (sets of states where one turn leaves the order open), and every step's
// results must be among those it allows; the judge checks the history too.
// Deeper than `lastword explore`'s bounded scope, guided by coverage.
//
// LASTWORD_IMPL=NAME runs another registered implementation that the model
// can express.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lastword/explore/refinement_input.hpp"
#include "impl_env.hpp"
#include "report.hpp"

namespace {
std::string g_impl = "reference";
lastword::history::judge_options g_options;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  lastword::fuzz::remember_command_line(argc, argv);
  g_impl = lastword::fuzz::impl_from_env("refinement", lastword::impls::form::model).name;
  g_options = lastword::fuzz::judge_options_from_env("refinement");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto actions = lastword::explore::refinement_actions(g_impl);
  const auto in = lastword::explore::refinement_input_from_bytes({data, size}, actions);
  if (!in) return 0;
  const auto f = lastword::explore::check_path(lastword::explore::refinement_machine(), in->script, in->path, g_impl,
                                                   g_options);
  if (!f) return 0;
  lastword::fuzz::report_violation("refinement", g_impl, std::string(1, f->invariant), f->what, data, size);
  std::fprintf(stderr, "refinement: violation by %s:\n  %c violated: %s\n--- scenario ---\n%s--- end ---\n",
               g_impl.c_str(), f->invariant, f->what.c_str(), lastword::scenario::print(f->counterexample).c_str());
  std::abort();
}
