// fuzz/impl_env.hpp: LASTWORD_IMPL for the fuzz targets that run registered
// implementations: the implementation to fuzz, default the reference; an
// unknown name stops the target with the list command to use.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lastword/impls/registry.hpp"

namespace lastword::fuzz {

inline std::string impl_from_env(const char* target) {
  const char* impl = std::getenv("LASTWORD_IMPL");
  if (!impl) return "reference";
  if (!impls::find_implementation(impl)) {
    std::fprintf(stderr, "%s: unknown LASTWORD_IMPL '%s' (see `lastword list`)\n", target, impl);
    std::exit(2);
  }
  return impl;
}

}  // namespace lastword::fuzz
