#include "lastword/cli/detect.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>

#include "lastword/cli/explore.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr const char* detect_usage =
    "usage: lastword detect [--budget SECONDS] [--seeds N] [--json FILE]\n"
    "                       [--props PATH] [--fuzzer PATH] [--work DIR]\n"
    "  --budget  seconds each layer may spend per implementation and seed (default 10)\n"
    "  --seeds   seeds per randomized layer; figures are medians (default 3)\n"
    "  --json    also write the table as JSON\n"
    "  --props   the connection_props binary (default build/default/connection_props)\n"
    "  --fuzzer  the connection fuzz target (default build/fuzz/fuzz_connection)\n"
    "  --work    scratch directory for fuzzer corpora (default build/detect-work)\n";

struct attempt {
  bool found = false;
  char invariant = '-';
  double seconds = 0;
  std::uint64_t executions = 0;
};

struct cell {
  std::string layer;
  std::vector<attempt> attempts;
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Runs a shell command, returning its exit status and combined output.
int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) output.append(buf.data(), n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

attempt model_checker(const std::string& impl) {
  const model::machine m(default_scope());
  const auto r = explore::explore_impl(m, impl);
  return {r.found.has_value(), r.found ? r.found->invariant : '-', r.seconds, r.runs};
}

attempt random_scenarios(const std::string& impl, std::uint64_t seed, double budget) {
  std::mt19937_64 rng(seed);
  attempt a;
  const auto start = clock_type::now();
  while (seconds_since(start) < budget) {
    std::vector<std::uint8_t> bytes(rng() % 65);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    ++a.executions;
    const auto s = scenario::from_bytes(bytes);
    const auto v = history::judge(s, impls::run_in_simulation(s, impl));
    if (!v.empty()) {
      a.found = true;
      a.invariant = v.front().invariant;
      break;
    }
  }
  a.seconds = seconds_since(start);
  return a;
}

attempt properties(const std::string& binary, const std::string& impl, std::uint64_t seed, double budget) {
  // The reference: the contract property for the budget's worth of cases;
  // a variant: the planted-bug test, which reports after how many cases.
  std::string filter = "ConnectionProps.ReferenceHoldsEveryInvariant";
  if (impl != "reference") {
    std::string n = impl;
    std::replace(n.begin(), n.end(), '-', '_');
    filter = "Catalog/ConnectionPropsCatch.PropertyCatchesTheVariant/" + n;
  }
  const auto cases = static_cast<std::uint64_t>(std::max(100.0, budget * 20000));
  const std::string cmd = "RC_PARAMS=" + quote("seed=" + std::to_string(seed) + " max_success=" + std::to_string(cases)) +
                          " timeout " + std::to_string(static_cast<int>(budget) + 30) + " " + quote(binary) +
                          " --gtest_filter=" + quote(filter);
  std::string output;
  const auto start = clock_type::now();
  const int status = run_command(cmd, output);
  attempt a;
  a.seconds = seconds_since(start);
  std::smatch m;
  if (impl == "reference") {
    a.found = status != 0;
    a.executions = status == 0 ? cases : 0;
    if (std::regex_search(output, m, std::regex("([DPCXTKFLW]) violated"))) a.invariant = m[1].str()[0];
  } else if (std::regex_search(output, m, std::regex("caught after ([0-9]+) passing cases"))) {
    a.found = true;
    a.executions = std::stoull(m[1]) + 1;
    if (std::regex_search(output, m, std::regex("([DPCXTKFLW]) violated"))) a.invariant = m[1].str()[0];
  }
  return a;
}

attempt fuzzer(const std::string& binary, const std::string& work, const std::string& impl, std::uint64_t seed,
               double budget) {
  const fs::path dir = fs::path(work) / (impl + "-" + std::to_string(seed));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "corpus", ec);
  const std::string cmd = "LASTWORD_IMPL=" + quote(impl) + " " + quote(binary) + " " + quote((dir / "corpus").string()) +
                          " -seed=" + std::to_string(seed) + " -max_total_time=" +
                          std::to_string(std::max(1, static_cast<int>(budget))) + " -artifact_prefix=" +
                          quote((dir / "").string());
  std::string output;
  const auto start = clock_type::now();
  const int status = run_command(cmd, output);
  attempt a;
  a.seconds = seconds_since(start);
  std::smatch m;
  a.found = status != 0 && output.find("violation by") != std::string::npos;
  if (std::regex_search(output, m, std::regex("  ([DPCXTKFLW]) violated"))) a.invariant = m[1].str()[0];
  // The last "#N" status line counts executions.
  std::uint64_t execs = 0;
  const std::regex status_line("#([0-9]+)\\s");
  for (std::sregex_iterator it(output.begin(), output.end(), status_line), end; it != end; ++it)
    execs = std::max<std::uint64_t>(execs, std::stoull((*it)[1]));
  a.executions = execs;
  return a;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? T{} : v[v.size() / 2];
}

std::string describe(const cell& c, bool expect_found) {
  std::vector<double> secs;
  std::vector<std::uint64_t> execs;
  int found = 0;
  char inv = '-';
  for (const auto& a : c.attempts) {
    if (a.found) {
      ++found;
      if (inv == '-') inv = a.invariant;
    }
    secs.push_back(a.seconds);
    execs.push_back(a.executions);
  }
  char buf[160];
  if (!expect_found) {
    if (found == 0)
      std::snprintf(buf, sizeof buf, "clean (%.1f s, %llu runs)", median(secs), static_cast<unsigned long long>(median(execs)));
    else
      std::snprintf(buf, sizeof buf, "FALSE ALARM %c (%d/%zu)", inv, found, c.attempts.size());
  } else if (found == 0) {
    std::snprintf(buf, sizeof buf, "MISSED (%.1f s)", median(secs));
  } else {
    std::snprintf(buf, sizeof buf, "%c in %.3f s, %llu runs%s", inv, median(secs),
                  static_cast<unsigned long long>(median(execs)),
                  found < static_cast<int>(c.attempts.size()) ? (" (" + std::to_string(found) + "/" +
                                                                   std::to_string(c.attempts.size()) + " seeds)").c_str()
                                                                : "");
  }
  return buf;
}

}  // namespace

int run_detect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  double budget = 10;
  int seeds = 3;
  std::string json, props = "build/default/connection_props", fuzz = "build/fuzz/fuzz_connection",
                    work = "build/detect-work";
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
    } else if (a == "--seeds") {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seeds);
      if (ec != std::errc{} || end != v.data() + v.size() || seeds < 1 || seeds > 100) {
        err << "lastword detect: --seeds needs a number from 1 to 100, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--json") {
      json = v;
    } else if (a == "--props") {
      props = v;
    } else if (a == "--fuzzer") {
      fuzz = v;
    } else if (a == "--work") {
      work = v;
    } else {
      err << "lastword detect: unknown option '" << a << "'\n" << detect_usage;
      return 2;
    }
  }
  for (const auto& [path, how] : {std::pair{props, "cmake --build --preset default (or bash scripts/test.sh default)"},
                                  std::pair{fuzz, "cmake --preset fuzz && cmake --build --preset fuzz (or bash scripts/test.sh fuzz)"}}) {
    if (!fs::exists(path)) {
      err << "lastword detect: '" << path << "' is missing; build it from the project root: " << how << '\n';
      return 2;
    }
  }

  const char* layers[] = {"model checker", "random scenarios", "properties", "fuzz connection"};
  out << "| implementation | " << layers[0] << " | " << layers[1] << " | " << layers[2] << " | " << layers[3] << " |\n"
      << "|---|---|---|---|---|\n";
  std::string json_rows;
  bool as_expected = true;
  for (const auto& impl : impls::implementations()) {
    const std::string name(impl.name);
    const bool expect_found = name != "reference";
    std::vector<cell> cells{{layers[0], {model_checker(name)}}, {layers[1], {}}, {layers[2], {}}, {layers[3], {}}};
    for (int s = 1; s <= seeds; ++s) {
      cells[1].attempts.push_back(random_scenarios(name, static_cast<std::uint64_t>(s), budget));
      cells[2].attempts.push_back(properties(props, name, static_cast<std::uint64_t>(s), budget));
      cells[3].attempts.push_back(fuzzer(fuzz, work, name, static_cast<std::uint64_t>(s), budget));
    }
    out << "| " << name;
    std::string row = "{\"name\":\"" + name + "\",\"layers\":[";
    for (std::size_t l = 0; l < cells.size(); ++l) {
      const std::string text = describe(cells[l], expect_found);
      out << " | " << text;
      int found = 0;
      for (const auto& a : cells[l].attempts) found += a.found;
      if (expect_found ? found == 0 : found > 0) as_expected = false;
      row += std::string(l ? "," : "") + "{\"layer\":\"" + cells[l].layer + "\",\"found\":" + std::to_string(found) +
             ",\"attempts\":" + std::to_string(cells[l].attempts.size()) + ",\"summary\":\"" + text + "\",\"runs\":[";
      for (std::size_t k = 0; k < cells[l].attempts.size(); ++k) {
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
  out << "\nbudget " << budget << " s per layer, implementation and seed; " << seeds
      << " seed(s); figures are medians (time and executions to the first violation).\n";
  if (!json.empty()) {
    std::ofstream j(json);
    j << "{\"budget\":" << budget << ",\"seeds\":" << seeds << ",\"implementations\":[" << json_rows << "]}\n";
    if (!j) {
      err << "lastword detect: cannot write '" << json << "'\n";
      return 2;
    }
  }
  out << (as_expected ? "verdict: every variant found by every layer, the reference by none\n"
                      : "verdict: some layer missed a variant or raised an alarm on the reference\n");
  return as_expected ? 0 : 1;
}

}  // namespace lastword::cli
