#include "lastword/cli/replay.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "lastword/assembler/assembler_check.hpp"
#include "lastword/explore/refinement_input.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/protocol/receive_check.hpp"
#include "lastword/impls/differential.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"

namespace lastword::cli {
namespace {

constexpr const char* replay_usage =
    "usage: lastword replay SCENARIO [--impl NAME] [--bytes | --differential | --kind KIND] [--quiet] [--waive LIST]\n"
    "  SCENARIO  a scenario file (see corpus/regressions/ for examples)\n"
    "  --bytes   SCENARIO is a raw input of the connection fuzz target\n"
    "  --differential  SCENARIO is a raw input of the differential fuzz target: runs it\n"
    "            on NAME and on beast, shows both timelines and whether they agree\n"
    "  --kind    what SCENARIO is: scenario (the default), or the raw input of a fuzz\n"
    "            target: connection (= --bytes), differential, protocol_receive,\n"
    "            assembler, refinement (what `lastword nightly` findings name)\n"
    "  --impl    the implementation to run (default reference; `lastword list` shows all)\n"
    "  --quiet   print only the verdict\n"
    "  --waive   invariants to set aside (letters of DPCXTKFLWS, docs/contract.md; the verdict names them)\n"
    "exit: 0 every invariant holds, 1 violated, 2 bad input, 3 not applicable (the\n"
    "      implementation cannot express a step of the scenario)\n"
    "The invariants (D P C X T K F L W S) are defined in docs/contract.md.\n";

constexpr std::size_t max_file = 64u << 20;

const char* const kinds[] = {"scenario", "connection", "differential", "protocol_receive", "assembler", "refinement"};

// An input of the protocol_receive target on the reference or one of its
// receiver variants: the oracle's verdict.
int replay_protocol_receive(const std::string& file, const std::string& text, const std::string& impl,
                            std::ostream& out) {
  const protocol::receiver_factory make = impls::find_implementation(impl)->receiver;
  const auto c = protocol::receive_case_from_bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  out << "# " << file << " (protocol_receive input) on " << impl << ": "
      << (c.opts.local_role == wire::role::client ? "client" : "server") << " receives " << c.stream.size()
      << " bytes in " << c.splits.size() + 1 << " read(s)" << (c.close_first ? ", after its own close()" : "")
      << ", max message " << c.opts.max_message_size << '\n';
  const std::string v = protocol::check_receive(c, make);
  if (v.empty()) {
    out << "verdict: the receive path holds on " << impl << '\n';
    return 0;
  }
  out << "verdict: violated on " << impl << ": " << v << '\n'
      << "reproduce: lastword replay --kind protocol_receive " << file << " --impl " << impl << '\n';
  return 1;
}

// An input of the assembler target: the operations and the first
// disagreement with the queue model.
int replay_assembler(const std::string& file, const std::string& text, const std::string& impl, bool quiet,
                     std::ostream& out) {
  const auto c = assembler::assembler_case_from_bytes(
      {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  if (!quiet) {
    out << "# " << file << " (assembler input) on " << impl << ": " << c.ops.size() << " operation(s)\n";
    for (std::size_t i = 0; i < c.ops.size(); ++i) out << "  " << i + 1 << ". " << assembler::describe(c.ops[i]) << '\n';
  }
  const std::string d = assembler::check_assembler(c, impls::find_implementation(impl)->queue);
  if (d.empty()) {
    out << "verdict: the assembler agrees with the model on " << impl << '\n';
    return 0;
  }
  out << "verdict: disagrees with the model on " << impl << ":\n" << d << '\n'
      << "reproduce: lastword replay --kind assembler " << file << " --impl " << impl << '\n';
  return 1;
}

// An input of the refinement target: the model path as a scenario, its
// timeline, and the first failure.
int replay_refinement(const std::string& file, const std::string& text, const std::string& impl, bool quiet,
                      std::ostream& out) {
  const auto actions = explore::refinement_actions(impl);
  const auto in = explore::refinement_input_from_bytes(
      {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, actions);
  if (!in) {
    out << "verdict: an empty refinement input runs nothing\n";
    return 0;
  }
  const auto f = explore::check_path(explore::refinement_machine(), in->script, in->path, impl);
  if (!f) {
    out << "verdict: " << impl << " refines the model on the " << in->path.size() << "-action path of " << file
        << '\n';
    return 0;
  }
  if (!quiet) {
    out << "# " << file << " (refinement input) on " << impl << ", as a scenario file:\n"
        << scenario::print(f->counterexample) << "step    time  actor     action -> result\n"
        << history::timeline(f->counterexample, impls::run_in_simulation(f->counterexample, impl));
  }
  out << "verdict: " << f->invariant << " violated on " << impl << ": " << f->what << '\n'
      << "reproduce: lastword replay --kind refinement " << file << " --impl " << impl << '\n';
  return 1;
}

std::string known_names() {
  std::string s;
  for (const auto& i : impls::all_implementations()) s += (s.empty() ? "" : ", ") + std::string(i.name);
  return s;
}

std::string describe(const scenario::vocabulary& v) {
  std::string s;
  const auto add = [&](bool supported, const char* what) {
    if (!supported) s += (s.empty() ? "" : ", ") + std::string(what);
  };
  add(v.timeouts, "recv() with a timeout");
  add(v.streaming, "recv_streaming()");
  add(v.cancel, "cancel");
  return s.empty() ? "nothing" : s;
}

}  // namespace

int run_list(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << "usage: lastword list\n";
    return 2;
  }
  for (const auto& i : impls::all_implementations()) {
    out << i.name << "\n    " << i.difference << '\n';
    if (!i.catalog) {
      out << "    " << i.library << ", " << i.versions << "; not applicable: " << describe(i.vocab) << '\n';
    } else if (i.name != "reference") {
      out << "    " << i.library << ", " << i.versions << " (" << i.reference << ")\n";
      out << "    its regression file violates " << i.expected << ": corpus/regressions/" << impls::regression_file(i)
          << '\n';
    }
    // The forms the layers run it in (impls/registry.hpp), and why not the others.
    std::string runs, not_run;
    for (const auto f : impls::all_forms) {
      const std::string why = impls::not_expressed(i, f);
      if (why.empty())
        runs += (runs.empty() ? "" : ", ") + std::string(impls::to_string(f));
      else
        not_run += "    not as " + std::string(impls::to_string(f)) + ": " + why + '\n';
    }
    out << "    runs as: " << (runs.empty() ? "nothing" : runs) << '\n' << not_run;
  }
  return 0;
}

int run_replay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string file, impl = "reference";
  std::string kind = "scenario";
  bool quiet = false, raw = false, differential = false;
  history::judge_options opts;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--impl") {
      if (i + 1 >= args.size()) {
        err << "lastword replay: --impl needs a name\n" << replay_usage;
        return 2;
      }
      impl = args[++i];
    } else if (args[i] == "--waive") {
      if (i + 1 >= args.size() || args[i + 1].empty() || !history::valid_waiver(args[i + 1])) {
        err << "lastword replay: --waive needs invariant letters of " << history::letters() << " (" << history::contract_doc
            << ")\n" << replay_usage;
        return 2;
      }
      opts.waived = args[++i];
    } else if (args[i] == "--quiet") {
      quiet = true;
    } else if (args[i] == "--bytes") {
      raw = true;
    } else if (args[i] == "--differential") {
      differential = true;
    } else if (args[i] == "--kind") {
      if (i + 1 >= args.size() ||
          std::find(std::begin(kinds), std::end(kinds), args[i + 1]) == std::end(kinds)) {
        err << "lastword replay: --kind needs one of scenario, connection, differential, protocol_receive, "
               "assembler, refinement\n"
            << replay_usage;
        return 2;
      }
      kind = args[++i];
      raw = raw || kind == "connection";
      differential = differential || kind == "differential";
    } else if (args[i] == "--help" || args[i] == "-h") {
      out << replay_usage;
      return 0;
    } else if (!args[i].empty() && args[i][0] == '-') {
      err << "lastword replay: unknown option '" << args[i] << "'\n" << replay_usage;
      return 2;
    } else if (!file.empty()) {
      err << "lastword replay: one scenario at a time\n" << replay_usage;
      return 2;
    } else {
      file = args[i];
    }
  }
  if (file.empty()) {
    err << replay_usage;
    return 2;
  }
  if (!impls::find_implementation(impl)) {
    err << "lastword replay: unknown implementation '" << impl << "'; known: " << known_names() << '\n';
    return 2;
  }
  // The form the kind of input runs (a scenario: the connection).
  const auto f = impls::fuzz_target_form(differential ? "differential" : kind).value_or(impls::form::connection);
  if (const std::string why = impls::not_expressed(*impls::find_implementation(impl), f); !why.empty()) {
    std::string known;
    for (const auto* i : impls::expressed_by(f)) known += (known.empty() ? "" : ", ") + std::string(i->name);
    err << "lastword replay: --kind " << kind << " cannot run " << impl << ": " << why << "; it runs " << known
        << '\n';
    return 2;
  }
  if (kind == "protocol_receive" || kind == "assembler") {
    std::string text;
    if (std::ifstream in{file, std::ios::binary}) {
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
      err << "lastword replay: cannot open '" << file << "'\n";
      return 2;
    }
    return kind == "assembler" ? replay_assembler(file, text, impl, quiet, out)
                               : replay_protocol_receive(file, text, impl, out);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << "lastword replay: cannot open '" << file << "'\n";
    return 2;
  }
  std::string text;
  text.resize(max_file + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_file) {
    err << "lastword replay: '" << file << "' is over " << (max_file >> 20) << " MiB\n";
    return 2;
  }
  if (kind == "refinement") return replay_refinement(file, text, impl, quiet, out);
  if (differential) {
    const auto c = impls::differential_case_from_bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    const auto s = impls::differential_scenario(c);
    if (!quiet) {
      out << "# " << file << " as a scenario file:\n" << scenario::print(s);
      for (const std::string& name : {impl, std::string("beast")}) {
        out << "# on " << name << "\nstep    time  actor     action -> result\n"
            << history::timeline(s, impls::run_in_simulation(s, name));
      }
    }
    const auto r = impls::compare_with_beast(c, impl);
    if (r.difference.empty()) {
      out << "verdict: " << impl << " and beast agree\n";
      return 0;
    }
    out << "verdict: " << impl << " and beast differ: " << r.difference << '\n';
    if (!r.exception.empty()) {
      out << "documented: " << r.exception << " (src/lastword/impls/differential.cpp)\n";
      return 0;
    }
    out << "reproduce: lastword replay " << file << " --differential --impl " << impl << '\n';
    return 1;
  }
  scenario::scenario s;
  if (raw) {
    // Raw inputs decode in the implementation's vocabulary, as its fuzz run did.
    s = impls::scenario_from_bytes({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, impl);
  } else {
    auto parsed = scenario::parse(text);
    if (auto* e = std::get_if<scenario::parse_error>(&parsed)) {
      err << file << ": " << e->to_string() << '\n';
      return 2;
    }
    s = std::move(std::get<scenario::scenario>(parsed));
  }
  const history::history h = impls::run_in_simulation(s, impl);
  const bool applicable = h.not_applicable.empty();
  if (!quiet && (applicable || !h.events.empty())) {
    out << "# " << file << " on " << impl << "\n";
    if (raw) out << "# as a scenario file:\n" << scenario::print(s);
    out << "step    time  actor     action -> result\n";
    out << history::timeline(s, h);
  }
  if (!applicable) {
    out << "verdict: not applicable: " << h.not_applicable << '\n';
    return 3;
  }
  const auto violations = history::judge(s, h, opts);
  if (violations.empty()) {
    if (opts.waived.empty()) {
      std::string all;
      for (const auto& i : history::invariants()) all += (all.empty() ? "" : " ") + std::string(1, i.letter);
      out << "verdict: every invariant holds (" << all << ") on " << impl << '\n';
    }
    else
      out << "verdict: every invariant but " << opts.waived << " (waived) holds on " << impl << '\n';
    return 0;
  }
  out << "verdict: " << violations.size() << " invariant(s) violated on " << impl << '\n';
  for (const auto& v : violations) out << "  " << history::describe(s, v) << '\n';
  out << "(the invariants are defined in " << history::contract_doc << ")\n";
  out << "reproduce: lastword replay " << file << (raw ? " --bytes" : "") << " --impl " << impl
      << (opts.waived.empty() ? "" : " --waive " + opts.waived) << '\n';
  return 1;
}

}  // namespace lastword::cli
