// Fuzz target: the message assembler against the abstract queue model.
//
// Input: byte 0 picks the water marks; every further byte pair is one
// operation (put a frame, end, get, get a fragment, cancel a stream, a
// second consumer), applied to the model and to the assembler; after each
// one their answers and pause flags must agree
// (assembler/assembler_check.hpp). A disagreement aborts with the
// operations up to it.
//
// LASTWORD_IMPL=NAME runs the queue of a registered variant instead
// (impls::form::queue), to show that the target finds it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "impl_env.hpp"
#include "report.hpp"
#include "lastword/assembler/assembler_check.hpp"

namespace {
std::string g_impl = "reference";
lastword::assembler::queue_factory g_make = lastword::assembler::make_reference_queue;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  lastword::fuzz::remember_command_line(argc, argv);
  const auto& impl = lastword::fuzz::impl_from_env("assembler", lastword::impls::form::queue);
  g_impl = impl.name;
  g_make = impl.queue;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lastword::assembler::assembler_case c;  // its memory is reused from input to input
  lastword::assembler::assembler_case_from_bytes({data, size}, c);
  const std::string d = lastword::assembler::check_assembler(c, g_make);
  if (d.empty()) return 0;
  // Its model compares answers (D, P, X, K) and the pause flag (F).
  lastword::fuzz::report_violation("assembler", g_impl, d.find("paused") != std::string::npos ? "F" : "D", d, data,
                                   size);
  std::fprintf(stderr, "assembler: violation by %s:\n%s\n", g_impl.c_str(), d.c_str());
  std::abort();
}
