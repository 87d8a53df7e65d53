// fuzz/impl_env.hpp: LASTWORD_IMPL for the fuzz targets: the registered
// implementation to fuzz (impls/registry.hpp), default the reference. A
// name the registry does not know, or an entry the target's form cannot
// express, stops the target with the reason and the list command.
//
// LASTWORD_LIST_IMPLS=1 prints, one a line, the entries the target's form
// expresses that have a regression (expected invariant), and exits: the
// build derives the catch tests (fuzz_NAME_catches_VARIANT) from it.
//
// LASTWORD_WAIVE (set by `lastword check --waive`): invariants the judge
// sets aside; letters that are no invariant's stop the target.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::fuzz {

inline const impls::implementation& impl_from_env(const char* target, impls::form f) {
  if (std::getenv("LASTWORD_LIST_IMPLS")) {
    for (const auto* i : impls::expressed_by(f))
      if (i->expected) std::printf("%.*s\n", static_cast<int>(i->name.size()), i->name.data());
    std::exit(0);
  }
  const char* name = std::getenv("LASTWORD_IMPL");
  const auto* i = impls::find_implementation(name ? name : "reference");
  if (!i) {
    std::fprintf(stderr, "%s: unknown LASTWORD_IMPL '%s' (see `lastword list`)\n", target, name);
    std::exit(2);
  }
  if (const std::string why = impls::not_expressed(*i, f); !why.empty()) {
    std::fprintf(stderr, "%s: cannot run %s: %s (see `lastword list`)\n", target, name, why.c_str());
    std::exit(2);
  }
  return *i;
}

inline history::judge_options judge_options_from_env(const char* target) {
  history::judge_options o;
  if (const char* w = std::getenv("LASTWORD_WAIVE")) {
    if (!history::valid_waiver(w)) {
      std::fprintf(stderr, "%s: LASTWORD_WAIVE='%s' is not letters of %s\n", target, w, history::letters().c_str());
      std::exit(2);
    }
    o.waived = w;
  }
  return o;
}

}  // namespace lastword::fuzz
