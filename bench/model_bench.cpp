// Model checking figures, against SPIN in the same run on the same models.
//
// For each scope, explored to completion: lastword's checker with one and
// two threads, run alternately (so that both see the same load on a shared
// machine), their states, transitions and depth, states per second by CPU
// time and by the wall clock, the 2-thread speed-up (wall clock), and the
// memory: the checker holds one script's states at a time per thread, so
// its peak (visited sets and state lists, as allocated, every thread's) is
// printed in all, per state explored and per state held at once. Then SPIN
// on the scope's Promela model (lastword explore --promela; pan compiled with
// -O2 -DSAFETY -DNOREDUCE, hash table sized to about twice the states), its
// states per second by CPU time and wall clock and its memory from pan's own
// report. lastword's runs and SPIN's alternate; each figure is the best of
// the runs. Then the reference's
// refinement runs per second with one and two threads, alternately. The
// load average is printed before and after: on a loaded machine the wall
// clock figures (and the speed-up) are lower than the CPU figures.
// `--quick` runs the smallest scopes once (ctest smoke test).
// `--scopes 3x2,4x3` measures those scopes only; `--refinement 3x2` (or
// `none`) picks the refinement rows' scopes.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lastword/explore/explore.hpp"
#include "model/promela.hpp"

namespace {

namespace fs = std::filesystem;
using namespace lastword;

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct run {
  model::exploration r;
  double wall = 1e9, cpu = 1e9;
  double busiest = 1e9;  // the busiest thread's CPU seconds
};

void once(const model::machine& m, int jobs, run& best) {
  model::explore_options o;
  o.jobs = jobs;
  const double w0 = now(), c0 = cpu_seconds(RUSAGE_SELF);
  auto r = model::explore(m, o);
  const double wall = now() - w0, cpu = cpu_seconds(RUSAGE_SELF) - c0;
  if (wall < best.wall) best.wall = wall, best.r = r;
  best.cpu = std::min(best.cpu, cpu);
  best.busiest = std::min(best.busiest, r.busiest_thread_cpu_seconds);
}

void print_load(const char* when) {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = load[1] = load[2] = -1;
  std::printf("load average %s: %.2f %.2f %.2f (1, 5, 15 min) on %d cores%s\n", when, load[0], load[1], load[2],
              model::hardware_jobs(), load[0] > 0.5 ? " -- the machine is shared: other work runs beside this" : "");
}

struct spin_run {
  bool ok = false;
  std::string error;
  unsigned long long stored = 0;
  double wall = 1e9, cpu = 1e9;  // pan alone (compiling is not counted)
  double state_mib = 0, total_mib = 0, vector_bytes = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// SPIN on one scope: compiled once, then run alternately with lastword's
// checker (so that both see the same load on a shared machine).
class spin_model {
 public:
  spin_model(const model::machine& m, const fs::path& dir, std::uint64_t expected)
      : cd_("cd '" + dir.string() + "' && "), dir_(dir) {
    fs::create_directories(dir);
    std::ofstream(dir / "model.pml") << model::promela(m);
    while ((std::uint64_t{1} << w_) < 2 * expected) ++w_;
    if (std::system((cd_ + "spin -a model.pml >spin.out 2>&1").c_str()) != 0) {
      out_.error = "spin -a failed (is SPIN installed? apt-get install spin, or bash scripts/setup.sh): " +
                   slurp(dir / "spin.out");
      return;
    }
    if (std::system((cd_ + "gcc -O2 -DSAFETY -DNOREDUCE -DMEMLIM=8192 -o pan pan.c >gcc.out 2>&1").c_str()) != 0)
      out_.error = "gcc failed on pan.c: " + slurp(dir / "gcc.out");
  }

  // One exhaustive run; false (and result().error says why) if it failed.
  bool once() {
    if (!out_.error.empty()) return false;
    for (;;) {
      const double w0 = now(), c0 = cpu_seconds(RUSAGE_CHILDREN);
      const int rc = std::system(
          (cd_ + "./pan -m" + std::to_string(depth_) + " -w" + std::to_string(w_) + " >pan.out 2>&1").c_str());
      const double wall = now() - w0, cpu = cpu_seconds(RUSAGE_CHILDREN) - c0;
      if (rc != 0) {
        out_.error = "pan failed: " + slurp(dir_ / "pan.out");
        return false;
      }
      text_ = slurp(dir_ / "pan.out");
      // The DFS stack as deep as needed and no deeper (pan allocates it):
      // start at 10,000 and grow tenfold while pan says it was too small.
      if (text_.find("max search depth too small") != std::string::npos && depth_ < 100000000) {
        depth_ *= 10;
        continue;
      }
      out_.wall = std::min(out_.wall, wall);
      out_.cpu = std::min(out_.cpu, cpu);
      return true;
    }
  }

  // The best run's times, and the state counts and memory pan reported.
  spin_run result() {
    spin_run out = out_;
    if (!out.error.empty()) return out;
    auto number_before = [&](const char* what) {
      const auto at = text_.find(what);
      if (at == std::string::npos) return -1.0;
      auto begin = text_.rfind('\n', at);
      begin = begin == std::string::npos ? 0 : begin + 1;
      return std::atof(text_.substr(begin, at - begin).c_str());
    };
    out.stored = static_cast<unsigned long long>(number_before("states, stored"));
    out.state_mib = number_before("equivalent memory usage for states");
    out.total_mib = number_before("total actual memory usage");
    // pan: "equivalent memory usage for states (stored*(State-vector + overhead))".
    if (out.stored > 0) out.vector_bytes = out.state_mib * 1048576.0 / static_cast<double>(out.stored);
    if (text_.find("max search depth too small") != std::string::npos) {
      out.error = "pan's search depth (-m) was too small: the search was not exhaustive";
      return out;
    }
    if (text_.find("errors: 0") == std::string::npos) {
      out.error = "SPIN reported errors: " + text_;
      return out;
    }
    out.ok = true;
    return out;
  }

 private:
  std::string cd_;
  fs::path dir_;
  int w_ = 10;
  long depth_ = 10000;
  std::string text_;
  spin_run out_;
};

struct named {
  int messages, fragments;
};

// "3x2,4x3" (or "none"); false if it is not such a list.
bool parse_scopes(const char* text, std::vector<named>& out) {
  out.clear();
  if (std::strcmp(text, "none") == 0) return true;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    int m = 0, f = 0;
    char x = 0, extra = 0;
    if (std::sscanf(item.c_str(), "%d%c%d%c", &m, &x, &f, &extra) != 3 || x != 'x' || m < 0 || m > 9 || f < 1 ||
        f > 9)
      return false;
    out.push_back({m, f});
  }
  return !out.empty();
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<named> scopes{{3, 2}, {3, 3}, {4, 2}, {4, 3}}, refinement{{3, 2}};
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
      scopes = {{1, 1}, {2, 2}};
      refinement = {{1, 1}};
    } else if (std::strcmp(argv[i], "--scopes") == 0 && has_value && parse_scopes(argv[i + 1], scopes)) {
      ++i;
    } else if (std::strcmp(argv[i], "--refinement") == 0 && has_value && parse_scopes(argv[i + 1], refinement)) {
      ++i;
    } else {
      std::fprintf(stderr,
                   "usage: model_bench [--quick] [--scopes MxF,...|none] [--refinement MxF,...|none]\n"
                   "  (M messages 0..9, F fragments 1..9; default --scopes 3x2,3x3,4x2,4x3 --refinement 3x2)\n");
      return 2;
    }
  }
  const int repeats = quick ? 1 : 7;
  const fs::path work = fs::temp_directory_path() / ("lastword-model-bench-" + std::to_string(getpid()));
  std::printf("Model checking against SPIN, same models, same run (best of %d).\n", repeats);
  print_load("at the start");
  std::printf("Every scope explored to completion; states/s per CPU second (by the wall clock in brackets:\n"
              "the speed on a shared machine; for 2 threads the CPU figure is the work per state).\n"
              "1 and 2 threads run alternately; the speed-up is by the wall clock, and on idle cores: one\n"
              "thread's CPU time over the busiest of the two threads' (what the wall clock would show\n"
              "if no other work ran).\n\n");
  std::printf("| scope | states | transitions | depth | 1 thread states/s | 2 threads states/s | 2 threads speed-up (wall) "
              "| 2 threads speed-up on idle cores | peak memory | bytes/state (peak / states) | bytes per state held | SPIN states | SPIN states/s "
              "| SPIN bytes/state (stored) | SPIN memory | lastword/SPIN (1 thread, CPU) |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  int status = 0;
  for (const auto& n : scopes) {
    model::scope sc;
    sc.max_messages = n.messages;
    sc.max_fragments = n.fragments;
    sc.depth = 1000000;
    const model::machine m(sc);
    run one, two;
    once(m, 1, one);  // the state count sizes SPIN's hash table
    spin_model spin(m, work / (std::to_string(n.messages) + "x" + std::to_string(n.fragments)), one.r.states);
    for (int k = 0; k < repeats; ++k) {
      if (k > 0) once(m, 1, one);
      once(m, 2, two);
      if (!spin.once()) break;
    }
    if (!one.r.complete || one.r.found || two.r.states != one.r.states || two.r.transitions != one.r.transitions) {
      std::printf("lastword: scope %d x %d did not complete, or the threads disagree\n", n.messages, n.fragments);
      return 1;
    }
    const auto sp = spin.result();
    if (!sp.ok) {
      std::printf("SPIN on %d x %d: %s\n", n.messages, n.fragments, sp.error.c_str());
      return 1;
    }
    if (sp.stored != model::spin_states(one.r.states)) {
      std::printf("SPIN stored %llu states, lastword %llu (+1 expected): the models differ\n", sp.stored,
                  static_cast<unsigned long long>(one.r.states));
      status = 1;
    }
    const double s = static_cast<double>(one.r.states);
    const double lw_cpu = s / one.cpu, sp_cpu = static_cast<double>(sp.stored) / sp.cpu;
    const double peak = static_cast<double>(std::max(one.r.peak_bytes, two.r.peak_bytes));
    const double held = static_cast<double>(std::max<std::uint64_t>(1, one.r.peak_stored));
    std::printf("| %d x %d | %llu | %llu | %d | %.0f (%.0f) | %.0f (%.0f) | %.2fx | %.2fx | %.0f KiB (1 thread %.0f KiB) | %.2f "
                "| %.1f | %llu | %.0f (%.0f) | %.0f | %.1f MiB | %.2fx |\n",
                n.messages, n.fragments, static_cast<unsigned long long>(one.r.states),
                static_cast<unsigned long long>(one.r.transitions), one.r.depth, lw_cpu, s / one.wall,
                s / two.cpu, s / two.wall, one.wall / two.wall, one.busiest / two.busiest, peak / 1024,
                static_cast<double>(one.r.peak_bytes) / 1024, static_cast<double>(one.r.peak_bytes) / s,
                static_cast<double>(one.r.peak_bytes) / held, sp.stored, sp_cpu,
                static_cast<double>(sp.stored) / sp.wall, sp.vector_bytes, sp.total_mib, lw_cpu / sp_cpu);
    std::fflush(stdout);
  }
  std::error_code ec;
  fs::remove_all(work, ec);

  std::printf("\nRefinement of the reference (implementation runs per second, wall clock; best of %d):\n\n", quick ? 1 : 2);
  std::printf("| scope | model states | runs | 1 thread runs/s (per CPU second) | 2 threads runs/s | speed-up |\n"
              "|---|---|---|---|---|---|\n");
  for (const auto& n : refinement) {
    model::scope sc;
    sc.max_messages = n.messages;
    sc.max_fragments = n.fragments;
    sc.depth = 1000000;
    const model::machine m(sc);
    double best[2] = {1e9, 1e9}, cpu = 1e9;
    explore::result r;
    for (int k = 0; k < (quick ? 1 : 2); ++k) {
      for (int jobs = 1; jobs <= 2; ++jobs) {
        model::explore_options o;
        o.jobs = jobs;
        const double c0 = cpu_seconds(RUSAGE_SELF);
        r = explore::explore_impl(m, "reference", {}, o);
        if (jobs == 1) cpu = std::min(cpu, cpu_seconds(RUSAGE_SELF) - c0);
        if (r.found || !r.complete) {
          std::printf("the reference failed or did not complete the refinement of %d x %d\n", n.messages, n.fragments);
          return 1;
        }
        best[jobs - 1] = std::min(best[jobs - 1], r.seconds);
      }
    }
    const double runs = static_cast<double>(r.runs);
    std::printf("| %d x %d | %llu | %llu | %.0f (%.0f) | %.0f | %.2fx |\n", n.messages, n.fragments,
                static_cast<unsigned long long>(r.states), static_cast<unsigned long long>(r.runs), runs / best[0],
                runs / cpu, runs / best[1], best[0] / best[1]);
  }
  print_load("at the end");
  return status;
}
