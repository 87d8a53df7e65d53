// lastword/wire/assert.hpp: assertions for impossible states.
//
// LASTWORD_ASSERT stays on in every build (tests, properties, fuzzers and
// benchmarks alike): an impossible state is a bug worth a crash with a
// message, never undefined behaviour that a release build hides.
#pragma once

namespace lastword::detail {
[[noreturn]] void assertion_failed(const char* expr, const char* file, int line) noexcept;
}  // namespace lastword::detail

#define LASTWORD_ASSERT(expr)                                                 \
  ((expr) ? static_cast<void>(0)                                              \
          : ::lastword::detail::assertion_failed(#expr, __FILE__, __LINE__))
