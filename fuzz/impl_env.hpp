// fuzz/impl_env.hpp: LASTWORD_IMPL for the fuzz targets that run registered
// implementations: the implementation to fuzz, default the reference; an
// unknown name stops the target with the list command to use.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

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

// LASTWORD_IMPL for a target with planted variants of its own (not in the
// registry): "reference" (the default) or one of `variants`; anything else
// stops the target with the names it knows.
inline std::string variant_from_env(const char* target, const std::vector<std::string_view>& variants) {
  const char* impl = std::getenv("LASTWORD_IMPL");
  if (!impl || std::string_view(impl) == "reference") return "reference";
  for (auto v : variants)
    if (v == impl) return impl;
  std::fprintf(stderr, "%s: unknown LASTWORD_IMPL '%s'; known: reference", target, impl);
  for (auto v : variants) std::fprintf(stderr, ", %.*s", static_cast<int>(v.size()), v.data());
  std::fprintf(stderr, "\n");
  std::exit(2);
}

}  // namespace lastword::fuzz
