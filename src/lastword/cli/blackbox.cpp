#include "lastword/cli/blackbox.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "lastword/blackbox/report.hpp"
#include "lastword/blackbox/run.hpp"
#include "lastword/blackbox/scenarios.hpp"
#include "lastword/history/judge.hpp"

namespace lastword::cli {
namespace {

namespace bb = lastword::blackbox;
namespace fs = std::filesystem;

constexpr const char* usage =
    "usage: lastword blackbox (--client 'COMMAND ... {url} ...' | --server 'COMMAND ... {port} ...') [--name NAME]\n"
    "                         [more --client/--server, each with its own --name]\n"
    "                         [SCENARIO|DIR|BUILT-IN-NAME ...] [--repeat N] [--seed N] [--only-repetition K]\n"
    "                         [--profile recv|events] [--jobs N] [--timeout MS] [--json FILE] [--markdown FILE]\n"
    "                         [--waive LETTERS] [--timelines] [--list] [--print NAME]\n";

struct target {
  std::string command, name;
  bool server = false;
  std::optional<bb::profile> prof{};  // --profile after its --client/--server
};

struct loaded {
  std::string name;
  scenario::scenario s;
};

bool parse_u64(const std::string& v, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && p == v.data() + v.size();
}

std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

std::optional<std::string> load(const std::string& arg, std::vector<loaded>& out) {
  auto add = [&](const std::string& name, const std::string& text) -> std::optional<std::string> {
    auto r = scenario::parse(text);
    if (auto* e = std::get_if<scenario::parse_error>(&r)) return name + ": " + e->to_string();
    out.push_back({name, std::get<scenario::scenario>(r)});
    return std::nullopt;
  };
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(arg, ec))
      if (e.path().extension() == ".scenario") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) return arg + ": no *.scenario files";
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (auto e = add(f.string(), ss.str())) return e;
    }
    return std::nullopt;
  }
  if (fs::is_regular_file(arg, ec)) {
    std::ifstream in(arg, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return add(arg, ss.str());
  }
  for (const auto& d : bb::default_scenarios())
    if (d.name == arg) return add(d.name, d.text);
  return arg + ": no such file, directory or built-in scenario (see --list)";
}

}  // namespace

int run_blackbox(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<target> targets;
  std::vector<std::string> scenario_args;
  std::uint64_t repeat = 20, jobs = 1, timeout_ms = 10000;
  std::optional<std::uint64_t> seed, only;
  bb::profile prof = bb::profile::recv;
  std::string json_file, md_file;
  bool timelines = false;
  history::judge_options judging;  // --waive
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    auto number = [&](std::uint64_t& dst, std::uint64_t lo, std::uint64_t hi) {
      auto v = value();
      std::uint64_t n = 0;
      if (!v || !parse_u64(*v, n) || n < lo || n > hi) {
        err << "lastword blackbox: " << a << " needs a number from " << lo << " to " << hi << "\n" << usage;
        return false;
      }
      dst = n;
      return true;
    };
    if (a == "--client" || a == "--server") {
      auto v = value();
      if (!v || v->empty()) {
        err << "lastword blackbox: " << a << " needs a command\n" << usage;
        return 2;
      }
      targets.push_back({.command = *v, .name = *v, .server = a == "--server"});
    } else if (a == "--name") {
      auto v = value();
      if (!v || targets.empty()) {
        err << "lastword blackbox: --name NAME follows the --client or --server it names\n" << usage;
        return 2;
      }
      targets.back().name = *v;
    } else if (a == "--repeat") {
      if (!number(repeat, 1, 100000)) return 2;
    } else if (a == "--seed") {
      std::uint64_t s = 0;
      if (!number(s, 0, UINT64_MAX)) return 2;
      seed = s;
    } else if (a == "--only-repetition") {
      std::uint64_t s = 0;
      if (!number(s, 1, 100000)) return 2;
      only = s;
    } else if (a == "--jobs") {
      if (!number(jobs, 1, 64)) return 2;
    } else if (a == "--timeout") {
      if (!number(timeout_ms, 100, 600000)) return 2;
    } else if (a == "--profile") {
      auto v = value();
      bb::profile p;
      if (v && *v == "recv") p = bb::profile::recv;
      else if (v && *v == "events") p = bb::profile::events;
      else {
        err << "lastword blackbox: --profile is recv or events\n" << usage;
        return 2;
      }
      // After a --client or --server: that program's profile; before any,
      // every program's.
      if (targets.empty()) prof = p;
      else targets.back().prof = p;
    } else if (a == "--json" || a == "--markdown") {
      auto v = value();
      if (!v) {
        err << "lastword blackbox: " << a << " needs a file\n" << usage;
        return 2;
      }
      (a == "--json" ? json_file : md_file) = *v;
    } else if (a == "--waive") {
      auto v = value();
      if (!v || v->empty() || !history::valid_waiver(*v)) {
        err << "lastword blackbox: --waive takes letters of " << history::letters() << "\n" << usage;
        return 2;
      }
      judging.waived = *v;
    } else if (a == "--timelines") {
      timelines = true;
    } else if (a == "--print") {
      auto v = value();
      for (const auto& d : bb::default_scenarios())
        if (v && d.name == *v) {
          out << d.text;
          return 0;
        }
      err << "lastword blackbox: --print needs the name of a built-in scenario (see --list)\n";
      return 2;
    } else if (a == "--list") {
      for (const auto& d : bb::default_scenarios()) out << d.name << "  probes " << d.probes << "\n";
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      err << "lastword blackbox: unknown option '" << a << "'\n" << usage;
      return 2;
    } else {
      scenario_args.push_back(a);
    }
  }
  if (targets.empty()) {
    err << "lastword blackbox: give --client or --server\n" << usage;
    return 2;
  }
  for (const auto& t : targets) {
    const char* hole = t.server ? "{port}" : "{url}";
    if (t.command.find(hole) == std::string::npos && t.command.find(t.server ? "LASTWORD_PORT" : "LASTWORD_URL") == std::string::npos)
      err << "lastword blackbox: note: " << (t.server ? "--server" : "--client") << " command has no " << hole
          << "; the adapter must read " << (t.server ? "LASTWORD_PORT" : "LASTWORD_URL") << "\n";
  }
  std::vector<loaded> scenarios;
  if (scenario_args.empty())
    for (const auto& d : bb::default_scenarios()) scenario_args.push_back(d.name);
  for (const auto& s : scenario_args)
    if (auto e = load(s, scenarios)) {
      err << "lastword blackbox: " << *e << "\n";
      return 2;
    }
  if (!seed) seed = std::random_device{}();
  // The profile each program runs under: one name when they share it,
  // else each program's.
  const auto profile_of = [&](const auto& t) { return t.prof.value_or(prof); };
  std::string profiles(bb::profile_name(profile_of(targets.front())));
  if (std::any_of(targets.begin(), targets.end(),
                  [&](const auto& t) { return profile_of(t) != profile_of(targets.front()); })) {
    profiles.clear();
    for (const auto& t : targets)
      profiles += (profiles.empty() ? "" : ", ") + t.name + ": " + std::string(bb::profile_name(profile_of(t)));
  }
  out << "lastword blackbox: seed " << *seed << ", " << repeat << " repetitions, profile " << profiles
      << (judging.waived.empty() ? "" : ", waived " + judging.waived) << "\n";

  struct task {
    std::size_t t, s, rep;
  };
  std::vector<task> tasks;
  for (std::size_t t = 0; t < targets.size(); ++t)
    for (std::size_t s = 0; s < scenarios.size(); ++s)
      for (std::size_t r = 1; r <= repeat; ++r)
        if (!only || *only == r) tasks.push_back({t, s, r});

  bb::report rep;
  rep.seed = *seed;
  rep.repeat = repeat;
  rep.profile = profiles;
  for (const auto& t : targets) rep.impls.push_back(t.name);
  for (const auto& s : scenarios) rep.scenarios.push_back(s.name);
  for (const auto& t : targets)
    for (const auto& s : scenarios) rep.cells.push_back({.impl = t.name, .scenario = s.name});

  std::mutex mu;
  std::atomic<std::size_t> next{0};
  std::optional<std::string> broken;
  std::size_t judged_runs = 0;
  const auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (;;) {
      const std::size_t k = next++;
      if (k >= tasks.size()) return;
      {
        std::lock_guard lock(mu);
        if (broken) return;
      }
      const task& tk = tasks[k];
      const target& tg = targets[tk.t];
      scenario::scenario s = scenarios[tk.s].s;
      if (tg.server) s.role = wire::role::server;
      bb::run_options ro;
      ro.command = tg.command;
      const bb::profile tprof = tg.prof.value_or(prof);
      ro.prof = tprof;
      ro.timeout_ms = timeout_ms;
      ro.server = tg.server;
      const std::uint64_t rs = bb::run_seed(*seed, tk.rep);
      bb::run_outcome o = bb::run(s, ro, rs);
      std::string reproduce = "lastword blackbox " + std::string(tg.server ? "--server " : "--client ") +
                              shell_quote(tg.command) + " --name " + shell_quote(tg.name) + " " +
                              shell_quote(scenarios[tk.s].name) + " --profile " + std::string(bb::profile_name(tprof)) +
                              " --seed " + std::to_string(*seed) + " --repeat " + std::to_string(repeat) +
                              " --only-repetition " + std::to_string(tk.rep) + " --timelines" +
                              (judging.waived.empty() ? "" : " --waive " + judging.waived);
      std::string tl;
      for (const auto& e : o.obs.timeline) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%8.3f ms ", static_cast<double>(e.us) / 1000.0);
        tl += buf + e.who + ": " + e.what + "\n";
      }
      std::lock_guard lock(mu);
      bb::cell& c = rep.cells[tk.t * scenarios.size() + tk.s];
      if (o.st == bb::run_outcome::status::broken) {
        std::string why = tg.name + " on " + scenarios[tk.s].name + " (repetition " + std::to_string(tk.rep) + "): " +
                          o.problem;
        if (!o.stderr_text.empty()) why += "\n--- its stderr ---\n" + o.stderr_text;
        why += "\n--- timeline ---\n" + tl;
        if (!broken) broken = why;
        return;
      }
      if (o.st == bb::run_outcome::status::not_applicable) {
        ++c.not_applicable;
        c.not_applicable_why = o.problem;
        continue;
      }
      if (tprof == bb::profile::recv) {
        // One result per recv and close step, no more (clients/README.md).
        std::size_t asked = 0;
        for (const auto& st : o.pl.consumer)
          asked += st.k == bb::consumer_step::kind::recv || st.k == bb::consumer_step::kind::close ||
                   st.k == bb::consumer_step::kind::send;
        if (o.obs.results.size() > asked) {
          if (!broken)
            broken = tg.name + " on " + scenarios[tk.s].name + ": the adapter printed " +
                     std::to_string(o.obs.results.size()) + " results for " + std::to_string(asked) +
                     " recv, send and close steps (recv profile: one line per step)\n--- timeline ---\n" + tl;
          return;
        }
      }
      const bb::judged j = bb::translate(s, tprof, o.pl, o.obs);
      auto found = history::judge(j.s, j.h, judging);
      const std::string hidden = bb::not_observable(tprof);
      std::erase_if(found, [&](const history::violation& v) { return hidden.find(v.invariant) != std::string::npos; });
      ++judged_runs;
      ++c.runs;
      c.delivered += j.delivered;
      c.expected += j.expected;
      if (timelines) {
        out << "--- " << tg.name << " on " << scenarios[tk.s].name << ", repetition " << tk.rep << " ---\n" << tl;
        out << "as judged:\n" << history::timeline(j.s, j.h);
        for (const auto& v : found) out << history::describe(j.s, v) << "\n";
      }
      if (!found.empty()) {
        if (c.violated == 0) {
          c.first_violation = history::describe(j.s, found.front());
          c.timeline = tl + "as judged:\n" + history::timeline(j.s, j.h);
          c.reproduce = reproduce;
        }
        ++c.violated;
        for (const auto& v : found) ++c.by_invariant[v.invariant];
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::uint64_t i = 0; i < jobs; ++i) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (broken) {
    err << "lastword blackbox: " << *broken;
    return 2;
  }
  const std::string md = bb::to_markdown(rep);
  out << md;
  out << "\n" << judged_runs << " runs judged in " << rep.seconds << " s ("
      << (rep.seconds > 0 ? static_cast<double>(judged_runs) / rep.seconds : 0.0) << " runs/s)\n";
  if (!md_file.empty()) std::ofstream(md_file) << md;
  if (!json_file.empty()) std::ofstream(json_file) << bb::to_json(rep);
  bool violated = false;
  for (const auto& c : rep.cells) {
    violated = violated || c.violated > 0;
    if (c.violated) out << "violation: " << c.impl << " on " << c.scenario << ": " << c.first_violation
                        << "\n  reproduce: " << c.reproduce << "\n";
  }
  return violated ? 1 : 0;
}

}  // namespace lastword::cli
