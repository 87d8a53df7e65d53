#include "lastword/wire/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace lastword::detail {

void assertion_failed(const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "lastword: assertion failed: %s (%s:%d)\n", expr, file, line);
  std::abort();
}

}  // namespace lastword::detail
