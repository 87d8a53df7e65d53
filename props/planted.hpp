// props/planted.hpp: running a property against a planted bug.
//
// A property that cannot fail proves nothing. expect_caught() runs a
// property body against a regression variant with the run's seed, quietly
// (no reproduce banner: the failure is the expected outcome), and reports
// after how many passing cases the bug was found, and the shrunk
// counterexample.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "lastword/history/finding.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::props {

class quiet_listener final : public rc::detail::TestListener {
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

// Fails the current test unless the property fails within `max_cases`.
template <typename Testable>
void expect_caught(const char* variant, Testable&& body, int max_cases = 1000) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = max_cases;
  rc::detail::TestMetadata metadata;
  metadata.id = variant;
  metadata.description = variant;
  quiet_listener listener;
  const auto result = rc::detail::checkProperty(rc::detail::toProperty(std::forward<Testable>(body)),
                                                metadata, params, listener);
  rc::detail::FailureResult failure;
  if (result.match(failure)) {
    std::cout << variant << " caught after " << failure.numSuccess
              << " passing cases; shrunk counterexample:\n";
    for (const auto& [type, value] : failure.counterExample) std::cout << "  " << type << ": " << value << '\n';
    std::cout << "  " << failure.description << '\n';
    // The catch as a record, for `check` and `detect`.
    auto r = lastword::finding::pending();
    r.kind = "caught";
    r.layer = "properties";
    r.target = variant;
    r.implementation = variant;
    r.executions = static_cast<std::uint64_t>(failure.numSuccess) + 1;
    lastword::finding::report(r);
    lastword::finding::pending() = {};
    return;
  }
  ADD_FAILURE() << "the property did not catch " << variant << " in " << max_cases << " cases";
}

// The catalog variants, to instantiate one planted-bug test each: those
// with a connection (the properties run scenarios on it); with
// `model_based`, only those the formal model can express (the stateful
// properties run model actions).
inline std::vector<std::string> catalog_variants(bool model_based = false) {
  std::vector<std::string> out;
  for (const auto* i : impls::expressed_by(model_based ? impls::form::model : impls::form::connection))
    if (i->catalog && i->name != "reference") out.emplace_back(i->name);
  return out;
}

// The other libraries in the registry (not variants of the reference).
inline std::vector<std::string> other_libraries() {
  std::vector<std::string> out;
  for (const auto& i : impls::implementations())
    if (!i.catalog) out.emplace_back(i.name);
  return out;
}

// A GoogleTest name for a variant's test ('-' is not allowed).
inline std::string variant_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

}  // namespace lastword::props
