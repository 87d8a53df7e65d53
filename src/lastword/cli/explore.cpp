#include "lastword/cli/explore.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "lastword/impls/registry.hpp"

namespace lastword::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* explore_usage =
    "usage: lastword explore [--impl NAME|all|none] [--messages N] [--fragments N] [--depth N]\n"
    "                        [--high N] [--low N] [--pings 0|1] [--ends LIST] [--actions LIST]\n"
    "                        [--waive LIST] [--json FILE] [--out DIR]\n"
    "  --impl       implementation(s) to check against the model (default reference;\n"
    "               all: every registered one; none: the model alone)\n"
    "  --messages   data messages in a peer script, 0..N (default 3, at most 4)\n"
    "  --fragments  fragments per message, 1..N (default 2, at most 3)\n"
    "  --depth      schedule steps per path (default 10, at most 12)\n"
    "  --high/--low flow control marks in frames (default 1 and 0)\n"
    "  --pings      1: also every script with a ping before its data (default 0)\n"
    "  --ends       how scripts end, of close,bad,none (default all three)\n"
    "  --actions    the steps to explore, of read,read-all,eof,reset,recv,recv0,\n"
    "               recv-timeout,streaming,cancel,close,advance,read-advance,read-all-eof\n"
    "               (default all)\n"
    "  --waive      invariants to set aside, e.g. F, so that a known violation does\n"
    "               not hide the others (default none; the verdict names them)\n"
    "  --json       also write the figures and verdicts as JSON\n"
    "  --out        where counterexamples are written (default lastword-failures)\n";

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
    {"read-all-eof", model::action::read_all_and_eof},
};

}  // namespace

model::scope default_scope() {
  // About 11,000 model states and half a million implementation runs: a few
  // seconds on one core, and every catalog regression within reach.
  model::scope sc;
  sc.max_messages = 3;
  sc.max_fragments = 2;
  sc.depth = 10;
  return sc;
}

std::string figures(const explore::result& r) {
  char buf[256];
  const double per_s = r.seconds > 0 ? static_cast<double>(r.runs ? r.runs : r.states) / r.seconds : 0;
  std::snprintf(buf, sizeof buf, "%llu states, %llu transitions, depth %d, %llu runs, %.3f s (%.0f %s/s), peak %.1f MiB",
                static_cast<unsigned long long>(r.states), static_cast<unsigned long long>(r.transitions), r.depth,
                static_cast<unsigned long long>(r.runs), r.seconds, per_s, r.runs ? "runs" : "states",
                static_cast<double>(r.peak_bytes) / (1 << 20));
  return buf;
}

int run_explore(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  model::scope sc = default_scope();
  std::string impl = "reference", json, out_dir = "lastword-failures";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << explore_usage;
      return 0;
    }
    if (i + 1 >= args.size()) {
      err << "lastword explore: " << (a.rfind("--", 0) == 0 ? "'" + a + "' needs a value" : "unexpected '" + a + "'")
          << '\n'
          << explore_usage;
      return 2;
    }
    const std::string& v = args[++i];
    auto number = [&](int lo, int hi, int& target) {
      int n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n < lo || n > hi) {
        err << "lastword explore: " << a << " needs a number from " << lo << " to " << hi << ", not '" << v << "'\n";
        return false;
      }
      target = n;
      return true;
    };
    int n = 0;
    if (a == "--impl") {
      impl = v;
    } else if (a == "--waive") {
      if (v.empty() || !history::waive(v)) {
        err << "lastword explore: --waive needs invariant letters of DPCXTKFLW, not '" << v << "'\n";
        return 2;
      }
    } else if (a == "--messages") {
      if (!number(0, 4, sc.max_messages)) return 2;
    } else if (a == "--fragments") {
      if (!number(1, 3, sc.max_fragments)) return 2;
    } else if (a == "--depth") {
      if (!number(1, 12, sc.depth)) return 2;
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
    } else if (a == "--out") {
      out_dir = v;
    } else {
      err << "lastword explore: unknown option '" << a << "'\n" << explore_usage;
      return 2;
    }
  }
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

  const model::machine m(sc);
  out << "scope: messages 0.." << sc.max_messages << ", fragments 1.." << sc.max_fragments << ", depth " << sc.depth
      << ", high " << sc.high << ", low " << sc.low << (sc.pings ? ", pings" : "") << ", " << m.scripts().size()
      << " peer scripts, "
      << sc.actions.size() << " actions\n";
  int exit_code = 0;
  std::string json_rows;
  auto report = [&](const std::string& name, const explore::result& r) {
    out << name << ": " << figures(r) << '\n';
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
                      ",\"depth\":" + std::to_string(r.depth) + ",\"seconds\":" + std::to_string(r.seconds) +
                      ",\"peak_bytes\":" + std::to_string(r.peak_bytes) +
                      ",\"not_applicable_paths\":" + std::to_string(r.not_applicable) + ",\"left_out\":[";
    for (std::size_t k = 0; k < r.left_out.size(); ++k)
      row += std::string(k ? "," : "") + "\"" + std::string(model::action_name(r.left_out[k])) + "\"";
    row += "]";
    if (!r.found) {
      out << "  verdict: every invariant" << (history::waived().empty() ? "" : " but " + history::waived() + " (waived)")
          << " holds within the scope\n";
      row += ",\"verdict\":\"held\"}";
    } else {
      exit_code = 1;
      std::error_code ec;
      fs::create_directories(out_dir, ec);
      const fs::path file = fs::path(out_dir) / ("explore-" + name + ".scenario");
      std::ofstream(file) << "# shortest counterexample found by: lastword explore --impl " << name << '\n'
                          << "# " << r.found->what << '\n'
                          << scenario::print(r.found->counterexample);
      out << "  verdict: " << r.found->invariant << " violated: " << r.found->what << '\n'
          << "  shortest counterexample (" << r.found->length << " steps): " << file.string() << '\n'
          << "  reproduce: lastword replay " << file.string() << " --impl " << name
          << (history::waived().empty() ? "" : " --waive " + history::waived()) << '\n';
      row += ",\"verdict\":\"violated\",\"invariant\":\"" + std::string(1, r.found->invariant) +
             "\",\"length\":" + std::to_string(r.found->length) + ",\"what\":\"" + json_escape(r.found->what) +
             "\",\"counterexample\":\"" + json_escape(file.string()) + "\"}";
    }
    json_rows += (json_rows.empty() ? "" : ",") + row;
  };

  report("model", explore::explore_model(m));
  for (const auto& name : impls_to_check) {
    const auto r = explore::explore_impl(m, name, [&](const explore::result& p) {
      err << "  ... " << name << ": " << figures(p) << '\n';
    });
    report(name, r);
  }
  if (!json.empty()) {
    std::ofstream j(json);
    j << "{\"scope\":{\"messages\":" << sc.max_messages << ",\"fragments\":" << sc.max_fragments
      << ",\"depth\":" << sc.depth << ",\"high\":" << sc.high << ",\"low\":" << sc.low << "},\"results\":["
      << json_rows << "]}\n";
    if (!j) {
      err << "lastword explore: cannot write '" << json << "'\n";
      return 2;
    }
  }
  return exit_code;
}

}  // namespace lastword::cli
