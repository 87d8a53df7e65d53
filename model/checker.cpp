#include "model/checker.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace lastword::model {

exploration explore(const machine& m) {
  const auto start = std::chrono::steady_clock::now();
  exploration r;
  struct node {
    std::uint64_t packed;
    std::uint32_t parent;  // index into nodes; itself for roots
    action via;
  };
  std::vector<node> nodes;
  std::unordered_map<std::uint64_t, std::uint32_t> visited;

  auto path_to = [&](std::uint32_t i) {
    counterexample c;
    std::vector<action> rev;
    while (nodes[i].parent != i) {
      rev.push_back(nodes[i].via);
      i = nodes[i].parent;
    }
    c.initial = state::unpack(nodes[i].packed);
    c.path.assign(rev.rbegin(), rev.rend());
    return c;
  };
  auto finish = [&] {
    r.states = nodes.size();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.peak_bytes = nodes.capacity() * sizeof(node) + visited.bucket_count() * sizeof(void*) +
                   visited.size() * (sizeof(std::uint64_t) + sizeof(std::uint32_t) + 2 * sizeof(void*));
    return r;
  };

  for (const state& s : m.initial_states()) {
    const auto i = static_cast<std::uint32_t>(nodes.size());
    if (!visited.emplace(s.pack(), i).second) continue;
    nodes.push_back({s.pack(), i, action::recv});
    if (auto v = m.invariants(s)) {
      r.found = path_to(i);
      r.found->v = *v;
      return finish();
    }
  }
  std::size_t level_begin = 0;
  for (int depth = 0; depth < m.bounds().depth && level_begin < nodes.size(); ++depth) {
    const std::size_t level_end = nodes.size();
    for (std::size_t i = level_begin; i < level_end; ++i) {
      const state s = state::unpack(nodes[i].packed);
      for (action a : m.bounds().actions) {
        for (auto& x : m.steps(s, a)) {
          ++r.transitions;
          const std::uint64_t packed = x.next.pack();
          const bool fresh = visited.emplace(packed, static_cast<std::uint32_t>(nodes.size())).second;
          if (fresh) nodes.push_back({packed, static_cast<std::uint32_t>(i), a});
          if (!fresh && !x.transition_violation) continue;
          const std::optional<violation> v = x.transition_violation ? x.transition_violation : m.invariants(x.next);
          if (v) {
            // Reported on the path through this edge.
            r.found = path_to(static_cast<std::uint32_t>(i));
            r.found->path.push_back(a);
            r.found->v = *v;
            r.depth = depth + 1;
            return finish();
          }
        }
      }
    }
    level_begin = level_end;
    r.depth = depth + 1;
  }
  return finish();
}

}  // namespace lastword::model
