#include "lastword/cli/explore.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <type_traits>

#include <boost/json.hpp>

#include "lastword/explore/interrupt.hpp"
#include "lastword/impls/registry.hpp"
#include "model/promela.hpp"

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* explore_usage =
    "usage: lastword explore [--impl NAME|all|none] [--messages N] [--fragments N] [--sends N] [--depth N]\n"
    "                        [--high N] [--low N] [--pings 0|1] [--ends LIST] [--actions LIST]\n"
    "                        [--waive LIST] [--jobs N] [--memory MIB] [--shard K/N] [--lookahead 0|1]\n"
    "                        [--model-flaw NAME] [--promela FILE] [--json FILE] [--out DIR]\n"
    "       lastword explore --merge FILE...\n"
    "  --impl       implementation(s) to check against the model (default reference;\n"
    "               all: every registered one; none: the model alone)\n"
    "  --messages   data messages in a peer script, 0..N (default 2)\n"
    "  --fragments  fragments per message, 1..N (default 2)\n"
    "               (a scope whose values do not fit the model's packed state is\n"
    "               refused, naming the field and its limit)\n"
    "  --depth      schedule steps per path (default 1000: until the space closes);\n"
    "               the output says complete, or bounded with the frontier left\n"
    "  --jobs       threads (default 0: every core); the result is the one-thread result\n"
    "  --memory     MiB for the visited set (default half the machine's memory)\n"
    "  --shard K/N  explore only the scripts with index % N == K (K from 0); the N\n"
    "               shards' --json files combine with --merge into the whole scope's result\n"
    "  --lookahead  1: run every step once more from a path that merges into a set of\n"
    "               model states already explored (default 1); 0: leave that out\n"
    "  --merge      combine shard results (--json files) into one verdict with totals\n"
    "  --model-flaw explore a deliberately broken model (closed-before-drain,\n"
    "               end-clears-queue, zero-timeout-first, no-timeout-if-paused,\n"
    "               cancel-loses-message, close-overtakes-send, close-ignores-writes,\n"
    "               closed-waits-for-echo): it must be rejected\n"
    "  --promela    also write the scope (and flaw) as a Promela model for SPIN\n"
    "               (model/promela/; SPIN's state count is this one + 1)\n"

    "  --high/--low flow control marks in frames (default 1 and 0)\n"
    "  --pings      1: also every script with a ping before its data (default 0)\n"
    "  --ends       how scripts end, of close,bad,none (default all three)\n"
    "  --actions    the steps to explore, of read,read-all,eof,reset,recv,recv0,\n"
    "               recv-timeout,streaming,cancel,close,advance,read-advance,read-all-eof,\n"
    "               send,send-fragmented,send-close,stall,release (default all)\n"
    "  --sends      messages the consumer may send while open, 0..N (default 1)\n"
    "  --waive      invariants to set aside, e.g. F, so that a known violation does\n"
    "               not hide the others (default none; the verdict names them)\n"
    "  --json       also write the figures and verdicts as JSON\n"
    "  --out        where counterexamples are written (default lastword-failures)\n"
    "SIGINT or SIGTERM during a refinement stops it within a fraction of a second: the\n"
    "output and --json say \"interrupted\" with how deep every path was checked, and the\n"
    "exit status is 128 + the signal (a second signal ends the process at once).\n";

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// Splits "a,b,c".
std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    out.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

struct named_action {
  const char* name;
  model::action a;
};
const named_action action_names[] = {
    {"read", model::action::read_frame},          {"read-all", model::action::read_all},
    {"eof", model::action::eof},                   {"reset", model::action::reset},
    {"recv", model::action::recv},                 {"recv0", model::action::recv_zero},
    {"recv-timeout", model::action::recv_timeout}, {"streaming", model::action::streaming},
    {"cancel", model::action::cancel},             {"close", model::action::close},
    {"advance", model::action::advance},           {"read-advance", model::action::read_frame_and_advance},
    {"read-all-eof", model::action::read_all_and_eof}, {"send", model::action::send},
    {"send-fragmented", model::action::send_fragmented}, {"send-close", model::action::send_and_close},
    {"stall", model::action::stall_writes},        {"release", model::action::release_writes},
};

}  // namespace

model::scope default_scope() {
  // Complete: 2 messages of up to 2 fragments and one send close at depth
  // 13 with 23,944 states; the reference's refinement of it is about 2.2
  // million runs, 1.14 million of them simulated (the others share a run). One send is enough for every send-side variant's shortest
  // counterexample. The send side and stalls multiply the refinement's
  // runs: 3 messages x 2 fragments with one send (82,810 states, depth 16)
  // is about four times that, with two sends (147,621, depth 17) more
  // again; `--messages 3` and `--sends 2` explore them.
  model::scope sc;
  sc.max_messages = 2;
  sc.max_fragments = 2;
  sc.max_sends = 1;
  sc.depth = 1000;
  return sc;
}

std::string figures(const explore::result& r) {
  char buf[320];
  const double per_s = r.seconds > 0 ? static_cast<double>(r.runs ? r.runs : r.states) / r.seconds : 0;
  std::snprintf(buf, sizeof buf,
                "%llu states, %llu transitions, depth %d, %llu runs, %.3f s (%.0f %s/s, %d thread%s), peak %.1f MiB",
                static_cast<unsigned long long>(r.states), static_cast<unsigned long long>(r.transitions), r.depth,
                static_cast<unsigned long long>(r.runs), r.seconds, per_s, r.runs ? "runs" : "states", r.jobs,
                r.jobs == 1 ? "" : "s", static_cast<double>(r.peak_bytes) / (1 << 20));
  std::string out = buf;
  // Runs of the same scenario share one simulation.
  if (r.runs) out += ", " + std::to_string(r.simulated) + " simulated";
  return out;
}

std::string merges_line(const explore::result& r) {
  return std::to_string(r.merges) + " paths reached a set of model states already explored along a shorter one" +
         (r.lookahead ? "; one step past each was run (the lookahead)"
                      : "; not followed further (no lookahead: the implementation's hidden state was not "
                        "compared past them)");
}

namespace {

// "every invariant holds ..." with how far the search went.
std::string held_verdict(const explore::result& r, const std::string& waiver) {
  const std::string waived = waiver.empty() ? "" : " but " + waiver + " (waived)";
  if (r.interrupted) return "none, the search was interrupted; no violation in what it explored (" + explore::closure(r) + ")";
  if (r.complete) return "every invariant" + waived + " holds in every reachable state of the scope (" + explore::closure(r) + ")";
  return "no violation within the bound, nothing proved beyond it (" + explore::closure(r) + ")";
}

struct merged_row {
  std::string name;
  explore::result r;
  std::string invariant, what, counterexample;
  std::uint64_t length = 0;
  bool found = false;
  // Some shard was stopped by a signal: every shard checked its paths of
  // up to this many steps, at least.
  std::optional<int> interrupted_depth;
  std::string stopped;  // why some shard's search stopped short: no verdict
};

int run_merge(const std::vector<std::string>& files, std::ostream& out, std::ostream& err, const std::string& json_out) {
  if (files.empty()) {
    err << "lastword explore: --merge needs the shards' JSON files\n";
    return 2;
  }
  std::vector<merged_row> rows;  // by name, in the first file's order
  std::string scope_text, waived;
  std::vector<bool> seen_shard;
  int shards = 0;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) {
      err << "lastword explore: cannot read '" << f << "'\n";
      return 2;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec);
    const boost::json::object* o = ec ? nullptr : v.if_object();
    const boost::json::object* sc = o && o->contains("scope") ? o->at("scope").if_object() : nullptr;
    const boost::json::array* results = o && o->contains("results") ? o->at("results").if_array() : nullptr;
    if (!sc || !results || !sc->contains("shard") || !sc->contains("shards")) {
      err << "lastword explore: '" << f << "' is not the --json output of a sharded `lastword explore`\n";
      return 2;
    }
    if (!sc->contains("lookahead")) {
      // Its figures lack what this version counts (runs simulated, merges):
      // a total would undercount them.
      err << "lastword explore: '" << f << "' was written by an older lastword (its scope has no \"lookahead\"); "
          << "run its shards again with this one\n";
      return 2;
    }
    try {
      const int k = static_cast<int>(sc->at("shard").as_int64()), n = static_cast<int>(sc->at("shards").as_int64());
      boost::json::object rest = *sc;
      rest.erase("shard");
      const std::string this_scope = boost::json::serialize(rest);
      if (shards == 0) {
        shards = n;
        scope_text = this_scope;
        // The waiver is part of the scope: shards with others do not merge.
        if (sc->contains("waived")) waived = std::string(sc->at("waived").as_string());
        seen_shard.assign(static_cast<std::size_t>(n), false);
      }
      if (n != shards || this_scope != scope_text) {
        err << "lastword explore: '" << f << "' is a shard of another scope or shard count (" << this_scope << ")\n";
        return 2;
      }
      if (k < 0 || k >= n || seen_shard[static_cast<std::size_t>(k)]) {
        err << "lastword explore: '" << f << "': shard " << k << "/" << n << " is out of range or given twice\n";
        return 2;
      }
      seen_shard[static_cast<std::size_t>(k)] = true;
      for (const auto& rv : *results) {
        const auto& ro = rv.as_object();
        const std::string name(ro.at("name").as_string());
        auto it = std::find_if(rows.begin(), rows.end(), [&](const merged_row& m) { return m.name == name; });
        if (it == rows.end()) {
          rows.emplace_back().name = name;
          rows.back().r.complete = true;
          it = rows.end() - 1;
        }
        auto& m = *it;
        auto num = [&](const char* key) { return static_cast<std::uint64_t>(ro.at(key).to_number<double>()); };
        m.r.states += num("states");
        m.r.transitions += num("transitions");
        m.r.runs += num("runs");
        m.r.simulated += num("simulated");
        m.r.paths += num("paths");
        if (name != "model") {
          m.r.merges += num("merges");
          m.r.lookahead = sc->at("lookahead").as_int64() == 1;
        }
        m.r.frontier += num("frontier");
        m.r.seconds += ro.at("seconds").to_number<double>();
        m.r.peak_bytes = std::max<std::uint64_t>(m.r.peak_bytes, num("peak_bytes"));
        m.r.complete = m.r.complete && ro.at("complete").as_bool();
        if (ro.contains("interrupted") && ro.at("interrupted").as_bool())
          m.interrupted_depth = std::min(m.interrupted_depth.value_or(static_cast<int>(num("depth"))),
                                         static_cast<int>(num("depth")));
        m.r.depth = std::max(m.r.depth, static_cast<int>(num("depth")));
        const auto& verdict = ro.at("verdict").as_string();
        if ((verdict == "interrupted" || verdict == "out of memory") && m.stopped.empty())
          m.stopped = "shard " + std::to_string(k) + "/" + std::to_string(n) +
                      (verdict == "interrupted" ? " was interrupted" : " ran out of memory");
        if (verdict == "violated") {
          const std::uint64_t len = num("length");
          // The shortest counterexample over all shards (the first shard's on a tie).
          if (!m.found || len < m.length) {
            m.found = true;
            m.length = len;
            m.invariant = std::string(ro.at("invariant").as_string());
            m.what = std::string(ro.at("what").as_string());
            m.counterexample = std::string(ro.at("counterexample").as_string());
          }
        }
      }
    } catch (const std::exception& e) {
      err << "lastword explore: '" << f << "': a field is missing or of the wrong type (" << e.what() << ")\n";
      return 2;
    }
  }
  for (int k = 0; k < shards; ++k) {
    if (!seen_shard[static_cast<std::size_t>(k)]) {
      err << "lastword explore: shard " << k << "/" << shards << " is missing: the merge would not cover the scope\n";
      return 2;
    }
  }
  out << "merged " << shards << " shards of scope " << scope_text << '\n';
  int exit_code = 0;
  std::string json_rows;
  for (auto& m : rows) {
    if (m.found) {
      // A counterexample ends the search in its shard only; the totals are
      // of what the shards explored.
      m.r.complete = false;
      m.r.depth = static_cast<int>(m.length);
      m.r.found = explore::failure{};
    } else if (m.interrupted_depth) {
      m.r.complete = false;
      m.r.interrupted = true;
      m.r.depth = *m.interrupted_depth;
    }
    out << m.name << ": " << figures(m.r) << " (total over the shards; time summed)\n";
    if (m.name != "model") out << "  merges: " << merges_line(m.r) << '\n';
    if (m.found) {
      exit_code = std::max(exit_code, 1);
      out << "  verdict: " << m.invariant << " violated: " << m.what << "\n  shortest counterexample (" << m.length
          << " steps): " << m.counterexample << '\n';
    } else if (!m.stopped.empty()) {
      // The scope was not covered: no verdict, whatever the other shards say.
      exit_code = 2;
      out << "  verdict: none, " << m.stopped << "; no violation in what the shards explored ("
          << explore::closure(m.r) << ")\n";
      err << "lastword explore: " << m.name << ": " << m.stopped << ": the merge does not cover the scope\n";
    } else {
      out << "  verdict: " << held_verdict(m.r, waived) << '\n';
    }
    json_rows += std::string(json_rows.empty() ? "" : ",") + "{\"name\":\"" + json_escape(m.name) +
                 "\",\"states\":" + std::to_string(m.r.states) + ",\"transitions\":" + std::to_string(m.r.transitions) +
                 ",\"runs\":" + std::to_string(m.r.runs) + ",\"simulated\":" + std::to_string(m.r.simulated) +
                 ",\"paths\":" + std::to_string(m.r.paths) + ",\"merges\":" + std::to_string(m.r.merges) +
                 ",\"depth\":" + std::to_string(m.r.depth) + ",\"complete\":" + (m.r.complete ? "true" : "false") +
                 ",\"frontier\":" + std::to_string(m.r.frontier) + ",\"closure\":\"" + explore::closure(m.r) +
                 "\",\"interrupted\":" + (m.r.interrupted ? "true" : "false") +
                 ",\"verdict\":\"" + (m.found ? "violated" : !m.stopped.empty() ? "none" : "held") + "\"" +
                 (m.found ? ",\"invariant\":\"" + m.invariant + "\",\"length\":" + std::to_string(m.length) : "") + "}";
  }
  if (!json_out.empty()) {
    std::ofstream j(json_out);
    j << "{\"merged_shards\":" << shards << ",\"scope\":" << scope_text << ",\"results\":[" << json_rows << "]}\n";
    if (!j) {
      err << "lastword explore: cannot write '" << json_out << "'\n";
      return 2;
    }
  }
  return exit_code;
}

}  // namespace

int run_explore(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  model::scope sc = default_scope();
  std::string impl = "reference", json, out_dir = "lastword-failures", promela_file;
  model::explore_options options;
  options.jobs = 0;
  history::judge_options judging;  // --waive
  model::flaw flaw = model::flaw::none;
  std::vector<std::string> merge;
  bool merging = false;
  int lookahead = 1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << explore_usage;
      return 0;
    }
    if (a == "--merge") {
      merging = true;
      continue;
    }
    if (merging && a.rfind("--", 0) != 0) {
      merge.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) {
      err << "lastword explore: " << (a.rfind("--", 0) == 0 ? "'" + a + "' needs a value" : "unexpected '" + a + "'")
          << '\n'
          << explore_usage;
      return 2;
    }
    const std::string& v = args[++i];
    auto number = [&](long long lo, long long hi, auto& target) {
      long long n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n < lo || n > hi) {
        err << "lastword explore: " << a << " needs a number from " << lo << " to " << hi << ", not '" << v << "'\n";
        return false;
      }
      target = static_cast<std::remove_reference_t<decltype(target)>>(n);
      return true;
    };
    int n = 0;
    if (a == "--impl") {
      impl = v;
    } else if (a == "--waive") {
      if (v.empty() || !history::valid_waiver(v)) {
        err << "lastword explore: --waive needs invariant letters of " << history::letters() << ", not '" << v
            << "'\n";
        return 2;
      }
      judging.waived = v;
    } else if (a == "--messages") {
      // The packed state's widths are the real limit (checked below).
      if (!number(0, 1000, sc.max_messages)) return 2;
    } else if (a == "--fragments") {
      if (!number(1, 1000, sc.max_fragments)) return 2;
    } else if (a == "--sends") {
      if (!number(0, 1000, sc.max_sends)) return 2;
    } else if (a == "--depth") {
      // No small cap: memory is the limit, checked as the visited set grows.
      if (!number(0, 1000000, sc.depth)) return 2;
    } else if (a == "--jobs") {
      if (!number(0, 1024, options.jobs)) return 2;
    } else if (a == "--lookahead") {
      if (!number(0, 1, lookahead)) return 2;
    } else if (a == "--memory") {
      std::uint64_t mib = 0;
      if (!number(1, 1LL << 30, mib)) return 2;
      options.memory_limit = mib << 20;
    } else if (a == "--shard") {
      const auto slash = v.find('/');
      int k = -1, total = 0;
      const char* b = v.data();
      const bool ok = slash != std::string::npos &&
                      std::from_chars(b, b + slash, k).ptr == b + slash &&
                      std::from_chars(b + slash + 1, b + v.size(), total).ptr == b + v.size() && total >= 1 &&
                      total <= 65536 && k >= 0 && k < total;
      if (!ok) {
        err << "lastword explore: --shard needs K/N with 0 <= K < N, e.g. 0/4, not '" << v << "'\n";
        return 2;
      }
      options.shard = k;
      options.shards = total;
    } else if (a == "--model-flaw") {
      bool known = false;
      for (auto f : {model::flaw::closed_before_drain, model::flaw::end_clears_queue, model::flaw::zero_timeout_first,
                     model::flaw::no_timeout_if_paused, model::flaw::cancel_loses_message,
                     model::flaw::close_overtakes_send, model::flaw::close_ignores_writes,
                     model::flaw::closed_waits_for_echo})
        if (v == model::flaw_name(f)) flaw = f, known = true;
      if (!known) {
        err << "lastword explore: unknown model flaw '" << v << "' (see --help)\n";
        return 2;
      }
    } else if (a == "--high") {
      if (!number(0, 8, n)) return 2;
      sc.high = static_cast<std::size_t>(n);
    } else if (a == "--low") {
      if (!number(0, 8, n)) return 2;
      sc.low = static_cast<std::size_t>(n);
    } else if (a == "--pings") {
      if (!number(0, 1, n)) return 2;
      sc.pings = n == 1;
    } else if (a == "--ends") {
      sc.ends.clear();
      for (const auto& e : split(v)) {
        if (e == "close") sc.ends.push_back(model::script_end::close);
        else if (e == "bad") sc.ends.push_back(model::script_end::bad_frame);
        else if (e == "none") sc.ends.push_back(model::script_end::none);
        else {
          err << "lastword explore: --ends takes close, bad and none, not '" << e << "'\n";
          return 2;
        }
      }
    } else if (a == "--actions") {
      sc.actions.clear();
      for (const auto& name : split(v)) {
        const auto it = std::find_if(std::begin(action_names), std::end(action_names),
                                     [&](const named_action& x) { return name == x.name; });
        if (it == std::end(action_names)) {
          err << "lastword explore: unknown action '" << name << "' (see --help)\n";
          return 2;
        }
        sc.actions.push_back(it->a);
      }
    } else if (a == "--json") {
      json = v;
    } else if (a == "--promela") {
      promela_file = v;
    } else if (a == "--out") {
      out_dir = v;
    } else {
      err << "lastword explore: unknown option '" << a << "'\n" << explore_usage;
      return 2;
    }
  }
  if (merging) return run_merge(merge, out, err, json);
  if (sc.low > sc.high) {
    err << "lastword explore: --low must not exceed --high\n";
    return 2;
  }
  std::vector<std::string> impls_to_check;
  if (impl == "all") {
    for (const auto& i : impls::implementations()) impls_to_check.emplace_back(i.name);
  } else if (impl != "none") {
    if (!impls::find_implementation(impl)) {
      err << "lastword explore: unknown implementation '" << impl << "' (see `lastword list`)\n";
      return 2;
    }
    impls_to_check.push_back(impl);
  }
  if (flaw != model::flaw::none && !impls_to_check.empty()) {
    err << "lastword explore: --model-flaw checks the model alone: add --impl none\n";
    return 2;
  }
  std::optional<model::machine> built;
  try {
    built.emplace(sc, flaw);
  } catch (const model::scope_error& e) {
    err << "lastword explore: " << e.what() << '\n';
    return 2;
  }
  const model::machine& m = *built;
  if (!promela_file.empty()) {
    std::ofstream p(promela_file);
    p << model::promela(m, flaw);
    if (!p) {
      err << "lastword explore: cannot write '" << promela_file << "'\n";
      return 2;
    }
  }
  out << "scope: messages 0.." << sc.max_messages << ", fragments 1.." << sc.max_fragments << ", sends 0.."
      << sc.max_sends << ", depth " << sc.depth
      << ", high " << sc.high << ", low " << sc.low << (sc.pings ? ", pings" : "") << ", " << m.scripts().size()
      << " peer scripts, " << sc.actions.size() << " actions";
  if (options.shards > 1) out << ", shard " << options.shard << "/" << options.shards;
  if (flaw != model::flaw::none) out << ", model flaw " << model::flaw_name(flaw);
  out << '\n';
  int exit_code = 0;
  std::string json_rows;
  std::optional<explore::interrupt_on_signals> interrupt;  // during the refinements
  auto report = [&](const std::string& name, const explore::result& r) {
    out << name << ": " << figures(r) << '\n';
    if (name != "model") {
      out << "  covered " << r.states << " model states along " << r.paths << " paths; frontier "
          << (r.found ? std::string("not reached (stopped by the counterexample)")
              : r.interrupted ? std::to_string(r.frontier) + " paths, not fully expanded (interrupted)"
              : r.frontier == 0 ? std::string("empty")
                                : std::to_string(r.frontier) + " paths, not expanded")
          << '\n';
    }
    out << "  search: " << explore::closure(r) << '\n';
    if (name != "model") out << "  merges: " << merges_line(r) << '\n';
    if (!r.left_out.empty() || r.not_applicable > 0) {
      // Never counted as passes: say what was not checked.
      out << "  not applicable:";
      for (std::size_t k = 0; k < r.left_out.size(); ++k)
        out << (k ? ", " : " actions left out of the scope: ") << model::action_name(r.left_out[k]);
      if (r.not_applicable > 0)
        out << (r.left_out.empty() ? " " : "; ") << r.not_applicable
            << " path(s) the implementation cannot express, not explored further";
      out << '\n';
    }
    std::string row = "{\"name\":\"" + json_escape(name) + "\",\"states\":" + std::to_string(r.states) +
                      ",\"transitions\":" + std::to_string(r.transitions) + ",\"runs\":" + std::to_string(r.runs) +
                      ",\"simulated\":" + std::to_string(r.simulated) + ",\"paths\":" + std::to_string(r.paths) +
                      ",\"merges\":" + std::to_string(r.merges) + ",\"depth\":" + std::to_string(r.depth) +
                      ",\"complete\":" + (r.complete ? "true" : "false") +
                      ",\"interrupted\":" + (r.interrupted ? "true" : "false") + ",\"frontier\":" +
                      std::to_string(r.frontier) + ",\"closure\":\"" + json_escape(explore::closure(r)) +
                      "\",\"jobs\":" + std::to_string(r.jobs) + ",\"seconds\":" + std::to_string(r.seconds) +
                      ",\"peak_bytes\":" + std::to_string(r.peak_bytes) +
                      ",\"not_applicable_paths\":" + std::to_string(r.not_applicable) + ",\"left_out\":[";
    for (std::size_t k = 0; k < r.left_out.size(); ++k)
      row += std::string(k ? "," : "") + "\"" + std::string(model::action_name(r.left_out[k])) + "\"";
    row += "]";
    if (r.out_of_memory) {
      exit_code = 2;
      out << "  verdict: none, the search was stopped: " << *r.out_of_memory << '\n';
      err << "lastword explore: " << *r.out_of_memory << '\n';
      row += ",\"verdict\":\"out of memory\"}";
    } else if (r.interrupted) {
      const int sig = interrupt ? interrupt->signal() : 0;
      exit_code = 128 + sig;
      out << "  verdict: " << held_verdict(r, judging.waived) << '\n';
      err << "lastword explore: stopped by signal " << sig << ", " << explore::closure(r) << '\n';
      row += ",\"verdict\":\"interrupted\"}";
    } else if (!r.found) {
      out << "  verdict: " << held_verdict(r, judging.waived) << '\n';
      row += ",\"verdict\":\"held\"}";
    } else {
      exit_code = std::max(exit_code, 1);
      std::error_code ec;
      fs::create_directories(out_dir, ec);
      const fs::path file = fs::path(out_dir) / ("explore-" + name + ".scenario");
      std::ofstream(file) << "# shortest counterexample found by: lastword explore --impl " << name << '\n'
                          << "# " << r.found->what << '\n'
                          << scenario::print(r.found->counterexample);
      out << "  verdict: " << r.found->invariant << " violated: " << r.found->what << '\n'
          << "  shortest counterexample (" << r.found->length << " steps): " << file.string() << '\n'
          << "  reproduce: lastword replay " << file.string() << " --impl " << name
          << (judging.waived.empty() ? "" : " --waive " + judging.waived) << '\n';
      row += ",\"verdict\":\"violated\",\"invariant\":\"" + std::string(1, r.found->invariant) +
             "\",\"length\":" + std::to_string(r.found->length) + ",\"what\":\"" + json_escape(r.found->what) +
             "\",\"counterexample\":\"" + json_escape(file.string()) + "\"}";
    }
    json_rows += (json_rows.empty() ? "" : ",") + row;
  };

  report("model", explore::explore_model(m, options));
  // SIGINT or SIGTERM during a refinement: the search stops between chunks
  // of runs and the output (and --json) says how far it got.
  interrupt.emplace();
  for (const auto& name : impls_to_check) {
    if (exit_code != 0 && exit_code != 1) break;  // out of memory, or interrupted
    const auto r = explore::explore_impl(
        m, name, [&](const explore::result& p) { err << "  ... " << name << ": " << figures(p) << '\n'; }, options,
        judging, lookahead == 1, interrupt->stop());
    report(name, r);
  }
  if (!json.empty()) {
    std::ofstream j(json);
    std::string ends;
    for (auto e : sc.ends)
      ends += std::string(ends.empty() ? "" : ",") + "\"" +
              (e == model::script_end::close ? "close" : e == model::script_end::bad_frame ? "bad" : "none") + "\"";
    j << "{\"scope\":{\"messages\":" << sc.max_messages << ",\"fragments\":" << sc.max_fragments
      << ",\"sends\":" << sc.max_sends
      << ",\"depth\":" << sc.depth << ",\"high\":" << sc.high << ",\"low\":" << sc.low
      << ",\"pings\":" << (sc.pings ? "true" : "false") << ",\"ends\":[" << ends << "],\"actions\":"
      << sc.actions.size() << ",\"flaw\":\"" << model::flaw_name(flaw) << "\",\"shard\":" << options.shard
      << ",\"shards\":" << options.shards << ",\"lookahead\":" << lookahead << ",\"waived\":\""
      << judging.waived << "\"},\"results\":["
      << json_rows << "]}\n";
    if (!j) {
      err << "lastword explore: cannot write '" << json << "'\n";
      return 2;
    }
  }
  return exit_code;
}

}  // namespace lastword::cli
