#include "lastword/cli/detect.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "lastword/cli/explore.hpp"
#include "lastword/cli/layers.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::cli {
namespace {

constexpr const char* detect_usage =
    "usage: lastword detect [--budget SECONDS | --runs N] [--seeds N] [--json FILE]\n"
    "                       [--props PATH] [--fuzzer PATH] [--protocol-fuzzer PATH]\n"
    "                       [--refinement-fuzzer PATH] [--assembler-fuzzer PATH]\n"
    "                       [--differential-fuzzer PATH] [--work DIR] [--model-scope M,F,S[+M,F,S...]]\n"
    "                       [--model-lookahead 0|1]\n"
    "  --budget           seconds each layer may spend per implementation and seed (default 10)\n"
    "  --runs             instead of seconds, exactly N executions per layer, implementation and seed\n"
    "                     (the table then repeats exactly; times still vary)\n"
    "  --seeds            seeds per randomized layer; figures are medians (default 3)\n"
    "  --json             also write the table as JSON\n"
    "  --props            the connection_props binary (default build/default/connection_props)\n"
    "  --fuzzer           the connection fuzz target (default build/fuzz/fuzz_connection)\n"
    "  --protocol-fuzzer  the protocol_receive fuzz target (default build/fuzz/fuzz_protocol_receive)\n"
    "  --refinement-fuzzer  the refinement fuzz target (default build/fuzz/fuzz_refinement)\n"
    "  --assembler-fuzzer   the assembler fuzz target (default build/fuzz/fuzz_assembler)\n"
    "  --differential-fuzzer  the differential fuzz target (default build/fuzz/fuzz_differential)\n"
    "  --work             scratch directory for fuzzer corpora (default build/check-work)\n"
    "  --model-scope      the model checker's scope: messages, fragments, sends, or several\n"
    "                     joined by '+' (default 2,2,1+3,3,0, as `lastword check`)\n"
    "  --model-lookahead  1: also one step past every path that merges into a set of model\n"
    "                     states already explored (default 0, as `lastword check`)\n";

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? T{} : v[v.size() / 2];
}

struct cell {
  std::vector<attempt> attempts;
  int found() const {
    int n = 0;
    for (const auto& a : attempts) n += a.found;
    return n;
  }
  bool applicable() const { return attempts.empty() || attempts.front().applicable; }
};

// The text of a JSON string's contents.
std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

std::string describe(const cell& c, bool expect_found) {
  if (!c.applicable()) return "n/a (" + c.attempts.front().what + ")";
  std::vector<double> secs;
  std::vector<std::uint64_t> execs;
  char inv = '-';
  for (const auto& a : c.attempts) {
    if (a.found && inv == '-') inv = a.invariant;
    secs.push_back(a.seconds);
    execs.push_back(a.executions);
  }
  const int found = c.found();
  char buf[160];
  if (!expect_found) {
    if (found == 0)
      std::snprintf(buf, sizeof buf, "clean (%.1f s, %llu runs)", median(secs), static_cast<unsigned long long>(median(execs)));
    else
      std::snprintf(buf, sizeof buf, "FALSE ALARM %c (%d/%zu)", inv, found, c.attempts.size());
  } else if (found == 0) {
    std::snprintf(buf, sizeof buf, "MISSED (%.1f s)", median(secs));
  } else {
    const std::string partial = found < static_cast<int>(c.attempts.size())
                                    ? " (" + std::to_string(found) + "/" + std::to_string(c.attempts.size()) + " seeds)"
                                    : "";
    std::snprintf(buf, sizeof buf, "%c in %.3f s, %llu runs%s", inv, median(secs),
                  static_cast<unsigned long long>(median(execs)), partial.c_str());
  }
  return buf;
}

}  // namespace

int run_detect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  double budget = 10;
  std::uint64_t runs = 0;
  int seeds = 3;
  std::string json;
  binaries b;
  std::vector<model::scope> model_scopes = check_scopes();
  bool model_lookahead = false;
  std::string model_scope_text = "default scopes " + scopes_text(model_scopes);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << detect_usage;
      return 0;
    }
    if (i + 1 >= args.size()) {
      err << "lastword detect: '" << a << "' needs a value\n" << detect_usage;
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "--budget") {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), budget);
      if (ec != std::errc{} || end != v.data() + v.size() || budget <= 0 || budget > 3600) {
        err << "lastword detect: --budget needs seconds between 0 and 3600, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--runs") {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), runs);
      if (ec != std::errc{} || end != v.data() + v.size() || runs < 1 || runs > 1000000000) {
        err << "lastword detect: --runs needs a number from 1 to 1000000000, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--seeds") {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seeds);
      if (ec != std::errc{} || end != v.data() + v.size() || seeds < 1 || seeds > 100) {
        err << "lastword detect: --seeds needs a number from 1 to 100, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--json") {
      json = v;
    } else if (a == "--model-scope") {
      if (const std::string bad = parse_model_scopes(v, model_scopes); !bad.empty()) {
        err << "lastword detect: " << bad << '\n';
        return 2;
      }
      model_scope_text = (model_scopes.size() > 1 ? "scopes " : "scope ") + v;
    } else if (a == "--model-lookahead") {
      if (const std::string bad = parse_model_lookahead(v, model_lookahead); !bad.empty()) {
        err << "lastword detect: " << bad << '\n';
        return 2;
      }
    } else if (b.set(a, v)) {
    } else {
      err << "lastword detect: unknown option '" << a << "'\n" << detect_usage;
      return 2;
    }
  }
  if (const std::string missing = b.missing(); !missing.empty()) {
    err << "lastword detect: missing binaries; build them from the project root (or: bash scripts/test.sh):\n" << missing;
    return 2;
  }

  const char* layers[] = {"model checker",         "random scenarios", "properties",    "fuzz connection",
                          "fuzz refinement",       "fuzz protocol_receive", "fuzz assembler", "fuzz differential"};
  constexpr std::size_t layer_count = std::size(layers);
  out << "| implementation |";
  for (const char* l : layers) out << ' ' << l << " |";
  out << "\n|---|";
  for (std::size_t l = 0; l < layer_count; ++l) out << "---|";
  out << '\n';
  std::string json_rows;
  std::string model_search;  // the model checker's closure: complete, or bounded
  bool as_expected = true;
  for (const auto& impl : impls::all_implementations()) {
    const std::string name(impl.name);
    const bool expect_found = name != "reference";
    std::vector<cell> cells(layer_count);
    cells[0].attempts.push_back(layer_model_checker(name, "", model_scopes, {}, model_lookahead));
    if (cells[0].attempts.back().applicable && !cells[0].attempts.back().found) model_search = cells[0].attempts.back().what;
    for (int s = 1; s <= seeds; ++s) {
      const auto seed = static_cast<std::uint64_t>(s);
      // Layers that cannot express the implementation run once (to say why).
      const auto run = [&](std::size_t l, auto&& layer) {
        if (s == 1 || cells[l].applicable()) cells[l].attempts.push_back(layer());
      };
      run(1, [&] { return layer_random(name, seed, budget, "", runs); });
      run(2, [&] { return layer_properties(b, name, seed, budget, runs); });
      run(3, [&] { return layer_fuzz_connection(b, name, seed, budget, runs); });
      run(4, [&] { return layer_fuzz_refinement(b, name, seed, budget, runs); });
      run(5, [&] { return layer_fuzz_protocol(b, name, seed, budget, runs); });
      run(6, [&] { return layer_fuzz_assembler(b, name, seed, budget, runs); });
      run(7, [&] { return layer_fuzz_differential(b, name, seed, budget, runs); });
    }
    out << "| " << name;
    std::string row = "{\"name\":\"" + name + "\",\"layers\":[";
    for (std::size_t l = 0; l < cells.size(); ++l) {
      const std::string text = describe(cells[l], expect_found);
      out << " | " << text;
      if (cells[l].applicable() && (expect_found ? cells[l].found() == 0 : cells[l].found() > 0)) as_expected = false;
      row += std::string(l ? "," : "") + "{\"layer\":\"" + layers[l] + "\",\"summary\":\"" + json_escape(text) + "\",\"runs\":[";
      for (std::size_t k = 0; k < cells[l].attempts.size() && cells[l].applicable(); ++k) {
        const auto& a = cells[l].attempts[k];
        row += std::string(k ? "," : "") + "{\"found\":" + (a.found ? "true" : "false") + ",\"invariant\":\"" +
               std::string(1, a.invariant) + "\",\"seconds\":" + std::to_string(a.seconds) +
               ",\"executions\":" + std::to_string(a.executions) + "}";
      }
      row += "]}";
    }
    out << " |\n" << std::flush;
    json_rows += (json_rows.empty() ? "" : ",") + row + "]}";
  }
  if (!model_search.empty()) out << "\nmodel checker search (" << model_scope_text << "): " << model_search << '\n';
  out << "\nbudget ";
  if (runs)
    out << runs << " runs";
  else
    out << budget << " s";
  out << " per layer, implementation and seed; " << seeds
      << " seed(s); figures are medians (time and executions to the first violation); n/a: the layer cannot "
         "express the implementation, with the reason its registry entry gives (`lastword list`: the model "
         "checker and the refinement fuzzer run the connection on model paths, protocol_receive the Sans-I/O "
         "receiver, assembler the queue alone, differential the connection against Beast, the others the "
         "connection).\n";
  if (!json.empty()) {
    std::ofstream j(json);
    j << "{\"budget\":" << budget << ",\"runs\":" << runs << ",\"seeds\":" << seeds << ",\"implementations\":[" << json_rows << "]}\n";
    if (!j) {
      err << "lastword detect: cannot write '" << json << "'\n";
      return 2;
    }
  }
  out << (as_expected ? "verdict: every variant found by every applicable layer, the reference by none\n"
                      : "verdict: some layer missed a variant or raised an alarm on the reference\n");
  return as_expected ? 0 : 1;
}

}  // namespace lastword::cli
