// Fuzz target: lastword and Boost.Beast's websocket stream, differentially.
//
// Input: byte 0 picks the role, the message size limit and whether
// permessage-deflate was agreed (both sides then inflate the same
// compressed bytes); the rest is the byte stream the endpoint receives
// (then EOF). Both implementations run it
// in the simulation and read until the connection ends; they must deliver
// the same messages and report the same end (impls/differential.hpp). A
// difference that a documented exception explains is counted, not
// reported, and so is a known Beast finding (README); any other aborts with both outcomes and the replay commands.
//
// LASTWORD_IMPL=NAME puts a registered variant on lastword's side, to show
// that the comparison catches it (every entry whose difference the
// comparison can show: impls::form::differential).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "impl_env.hpp"
#include "report.hpp"
#include "lastword/impls/differential.hpp"

namespace {
std::string g_impl = "reference";
std::map<std::string, std::size_t> g_exceptions;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  lastword::fuzz::remember_command_line(argc, argv);
  g_impl = lastword::fuzz::impl_from_env("differential", lastword::impls::form::differential).name;
  std::atexit([] {
    for (const auto& [name, n] : g_exceptions)
      std::fprintf(stderr, "differential: %zu input(s) differ only by the documented %s%s\n", n,
                   name.rfind("finding", 0) == 0 ? "" : "exception ", name.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto c = lastword::impls::differential_case_from_bytes(data, size);
  const auto r = lastword::impls::compare_with_beast(c, g_impl);
  if (r.difference.empty()) return 0;
  if (!r.exception.empty()) {
    ++g_exceptions[r.exception];
    return 0;
  }
  // Different messages: D; the same messages and a different end: C.
  lastword::fuzz::report_violation("differential", g_impl,
                                   r.difference.find("messages differ") != std::string::npos ? "D" : "C",
                                   r.difference, data, size);
  std::fprintf(stderr, "differential: violation by %s (it and beast disagree):\n%s\n--- scenario ---\n%s--- end ---\n", g_impl.c_str(),
               r.difference.c_str(), lastword::scenario::print(lastword::impls::differential_scenario(c)).c_str());
  std::fprintf(stderr, "reproduce: lastword replay --differential CRASH_FILE --impl %s\n", g_impl.c_str());
  std::abort();
}
