// Model checking figures: how the state space grows with the scope, model
// states per second, and implementation executions per second (refinement
// against the reference) at two scope sizes. Prints tables; `--quick` runs
// the smallest scopes only (used by ctest so that the program cannot rot).
#include <cstdio>
#include <cstring>

#include "lastword/explore/explore.hpp"

int main(int argc, char** argv) {
  using namespace lastword;
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int max_messages = quick ? 1 : 4, max_fragments = quick ? 1 : 3;

  std::printf("State space of the model (depth 10, high 1, low 0):\n\n");
  std::printf("| messages | fragments | scripts | states | transitions | seconds | states/s |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (int m = 1; m <= max_messages; ++m) {
    for (int f = 1; f <= max_fragments; ++f) {
      model::scope sc;
      sc.max_messages = m;
      sc.max_fragments = f;
      sc.depth = 10;
      const model::machine machine(sc);
      const auto r = explore::explore_model(machine);
      std::printf("| %d | %d | %zu | %llu | %llu | %.3f | %.0f |\n", m, f, machine.scripts().size(),
                  static_cast<unsigned long long>(r.states), static_cast<unsigned long long>(r.transitions),
                  r.seconds, r.seconds > 0 ? static_cast<double>(r.states) / r.seconds : 0.0);
    }
  }

  std::printf("\nRefinement of the reference (model states/s and implementation runs/s):\n\n");
  std::printf("| scope | model states | model states/s | impl runs | impl runs/s | seconds |\n");
  std::printf("|---|---|---|---|---|---|\n");
  struct named {
    const char* name;
    int messages, fragments, depth;
  };
  const named scopes[] = {{"messages 2, fragments 2, depth 6", 2, 2, 6}, {"messages 3, fragments 2, depth 10", 3, 2, 10}};
  for (const auto& n : scopes) {
    if (quick && n.messages > 2) continue;
    model::scope sc;
    sc.max_messages = n.messages;
    sc.max_fragments = n.fragments;
    sc.depth = n.depth;
    const model::machine machine(sc);
    const auto mr = explore::explore_model(machine);
    const auto ir = explore::explore_impl(machine, "reference");
    std::printf("| %s | %llu | %.0f | %llu | %.0f | %.2f |%s\n", n.name, static_cast<unsigned long long>(mr.states),
                mr.seconds > 0 ? static_cast<double>(mr.states) / mr.seconds : 0.0,
                static_cast<unsigned long long>(ir.runs), ir.seconds > 0 ? static_cast<double>(ir.runs) / ir.seconds : 0.0,
                ir.seconds, ir.found ? " VIOLATION" : "");
    if (ir.found) return 1;
  }
  return 0;
}
