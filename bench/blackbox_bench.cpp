// The cost of judging one black-box run, apart from running it: an
// observation (three messages, close and FIN in one write, the client's
// echo, the adapter's results) translated into a scenario and history and
// judged. Beside it, the same for the 300-message flood. A real run costs
// process start-up and the scenario's own delays on top; `lastword
// blackbox` prints its runs per second at the end of every invocation.
#include <benchmark/benchmark.h>

#include <random>

#include "lastword/blackbox/plan.hpp"
#include "lastword/blackbox/scenarios.hpp"
#include "lastword/blackbox/translate.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/wire/close.hpp"

namespace {

using namespace lastword;

struct prepared {
  scenario::scenario s;
  blackbox::plan pl;
  blackbox::observation o;
};

prepared prepare(const std::string& name) {
  prepared p;
  for (const auto& d : blackbox::default_scenarios())
    if (d.name == name) p.s = std::get<scenario::scenario>(scenario::parse(d.text));
  std::mt19937_64 rng(1);
  const auto stream = blackbox::encode_stream(p.s, std::nullopt);
  p.pl = blackbox::make_plan(p.s, blackbox::profile::recv, stream, rng);
  p.o.writes.push_back({100, stream.bytes.size()});
  p.o.stream_frame_ends = stream.frame_ends;
  p.o.fin_us = 101;
  wire::frame echo;
  echo.op = wire::opcode::close;
  echo.payload = wire::encode_close_payload(1000, "");
  p.o.frames.push_back({200, echo});
  for (const auto& f : p.s.peer) {
    blackbox::adapter_result r;
    if (f.k == scenario::peer_frame::kind::close) {
      r.k = blackbox::adapter_result::kind::closed;
      r.code = f.code.value_or(1005);
      r.reason = f.reason;
      r.clean = true;
    } else {
      r.k = blackbox::adapter_result::kind::message;
      r.data = f.payload;
    }
    p.o.results.push_back(r);
  }
  return p;
}

void judge_run(benchmark::State& state, const std::string& name) {
  const prepared p = prepare(name);
  std::size_t violations = 0;
  for (auto _ : state) {
    const auto j = blackbox::translate(p.s, blackbox::profile::recv, p.pl, p.o);
    violations += history::judge(j.s, j.h).size();
  }
  state.counters["runs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["violations"] = static_cast<double>(violations);
}

BENCHMARK_CAPTURE(judge_run, burst, std::string("burst-late-consumer"));
BENCHMARK_CAPTURE(judge_run, flood, std::string("flood-then-close"));

}  // namespace

BENCHMARK_MAIN();
