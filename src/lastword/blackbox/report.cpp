#include "lastword/blackbox/report.hpp"

#include <boost/json.hpp>

#include <sstream>

namespace lastword::blackbox {
namespace json = boost::json;

std::string verdict(const cell& c) {
  if (c.runs == 0) return "n/a";
  std::string v = std::to_string(c.violated) + "/" + std::to_string(c.runs);
  if (c.violated > 0) {
    v += " ";
    for (const auto& [inv, n] : c.by_invariant) v += inv;
  }
  return v;
}

std::string to_markdown(const report& r) {
  std::ostringstream o;
  o << "Runs violating / runs judged, the invariants violated, and messages delivered/expected (all runs).\n"
    << "Seed " << r.seed << ", " << r.repeat << " repetitions, profile " << r.profile << ".\n\n";
  o << "| scenario |";
  for (const auto& i : r.impls) o << " " << i << " |";
  o << "\n|---|";
  for (std::size_t i = 0; i < r.impls.size(); ++i) o << "---|";
  o << "\n";
  for (const auto& s : r.scenarios) {
    o << "| " << s << " |";
    for (const auto& i : r.impls)
      for (const auto& c : r.cells)
        if (c.impl == i && c.scenario == s) {
          o << " " << verdict(c);
          if (c.runs) o << " (" << c.delivered << "/" << c.expected << ")";
          o << " |";
        }
    o << "\n";
  }
  bool any = false;
  for (const auto& c : r.cells) {
    if (c.violated == 0) continue;
    if (!any) o << "\n## Violations\n";
    any = true;
    o << "\n### " << c.impl << " on " << c.scenario << ": " << verdict(c) << "\n\n"
      << c.first_violation << "\n\nReproduce: `" << c.reproduce << "`\n\n```\n" << c.timeline << "```\n";
  }
  return o.str();
}

std::string to_json(const report& r) {
  json::object o;
  o["seed"] = r.seed;
  o["repeat"] = r.repeat;
  o["profile"] = r.profile;
  o["seconds"] = r.seconds;
  json::array cells;
  for (const auto& c : r.cells) {
    json::object x;
    x["implementation"] = c.impl;
    x["scenario"] = c.scenario;
    x["runs"] = c.runs;
    x["violated"] = c.violated;
    x["not_applicable"] = c.not_applicable;
    if (!c.not_applicable_why.empty()) x["not_applicable_why"] = c.not_applicable_why;
    json::object inv;
    for (const auto& [k, n] : c.by_invariant) inv[std::string(1, k)] = n;
    x["by_invariant"] = std::move(inv);
    x["delivered"] = c.delivered;
    x["expected"] = c.expected;
    if (c.violated) {
      x["first_violation"] = c.first_violation;
      x["reproduce"] = c.reproduce;
      x["timeline"] = c.timeline;
    }
    cells.push_back(std::move(x));
  }
  o["cells"] = std::move(cells);
  return json::serialize(o) + "\n";
}

}  // namespace lastword::blackbox
