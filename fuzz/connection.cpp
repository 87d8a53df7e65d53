// Fuzz target: the connection, in the simulation, judged by the SPEC.
//
// The input bytes are a scenario (scenario::from_bytes: options, the peer's
// messages and how its script ends, then the schedule), so every input is
// meaningful. The implementation runs it in the deterministic simulation;
// the judge checks every invariant on the history. A violation prints the
// scenario and aborts.
//
// LASTWORD_IMPL=NAME runs a registered implementation other than the
// reference (`lastword list`), e.g. to show that the target finds a
// regression variant.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"

namespace {
std::string g_impl = "reference";
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* impl = std::getenv("LASTWORD_IMPL")) {
    if (!lastword::impls::find_implementation(impl)) {
      std::fprintf(stderr, "connection: unknown LASTWORD_IMPL '%s' (see `lastword list`)\n", impl);
      std::exit(2);
    }
    g_impl = impl;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto s = lastword::scenario::from_bytes({data, size});
  const auto h = lastword::impls::run_in_simulation(s, g_impl);
  const auto violations = lastword::history::judge(s, h);
  if (violations.empty()) return 0;
  std::fprintf(stderr, "connection: violation by %s:\n", g_impl.c_str());
  for (const auto& v : violations) std::fprintf(stderr, "  %s\n", lastword::history::describe(s, v).c_str());
  std::fprintf(stderr, "--- scenario ---\n%s--- end ---\n", lastword::scenario::print(s).c_str());
  std::fprintf(stderr, "reproduce: lastword replay --bytes CRASH_FILE --impl %s\n", g_impl.c_str());
  std::abort();
}
