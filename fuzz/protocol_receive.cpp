// Fuzz target: the protocol's receive path, both roles.
//
// Input: byte 0 picks the role, whether the application closed first, and
// the size limits; byte 1 seeds the read split; the rest is the received
// stream. The run is held to check_receive()'s oracle (split invariance,
// events up to the end of input, wire conduct, close status); a violation
// aborts with its description. Crashes, hangs and sanitizer reports are
// findings too.
//
// LASTWORD_IMPL=NAME in the environment runs the Sans-I/O receiver of a
// registered variant instead of the reference (to show the target finds it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "impl_env.hpp"
#include "report.hpp"
#include "lastword/protocol/receive_check.hpp"

namespace {
lastword::protocol::receiver_factory g_make = lastword::protocol::make_reference_receiver;
std::string g_name = "reference";
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  lastword::fuzz::remember_command_line(argc, argv);
  const auto& impl = lastword::fuzz::impl_from_env("protocol_receive", lastword::impls::form::receiver);
  g_name = impl.name;
  g_make = impl.receiver;
  if (g_name != "reference") std::fprintf(stderr, "protocol_receive: running variant %s\n", g_name.c_str());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto c = lastword::protocol::receive_case_from_bytes(data, size);
  const std::string violation = lastword::protocol::check_receive(c, g_make);
  if (!violation.empty()) {
    // Its oracle speaks of events, sent bytes and the close status: D, W and C.
    const char* invariant = violation.find("sent") != std::string::npos           ? "W"
                            : violation.find("close status") != std::string::npos ? "C"
                                                                                  : "D";
    lastword::fuzz::report_violation("protocol_receive", g_name, invariant, violation, data, size);
    std::fprintf(stderr, "protocol_receive: violation by %s: %s\n", g_name.c_str(), violation.c_str());
    std::abort();
  }
  return 0;
}
