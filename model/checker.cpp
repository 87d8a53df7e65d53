#include "model/checker.hpp"

#include <algorithm>
#include <chrono>

namespace lastword::model {
namespace {

// Visited states: open addressing with linear probing over packed states
// (stored + 1, so that 0 marks an empty slot), kept at most half full.
class visited_set {
 public:
  visited_set() : slots_(1u << 12, 0) {}
  // True if `packed` was not in the set (it is now).
  bool insert(std::uint64_t packed) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    return place(slots_, packed + 1);
  }
  std::size_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return slots_.capacity() * sizeof(std::uint64_t); }

 private:
  static std::size_t hash(std::uint64_t v) noexcept {
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return static_cast<std::size_t>(v);
  }
  bool place(std::vector<std::uint64_t>& slots, std::uint64_t key) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i] == key) return false;
      if (slots[i] == 0) {
        slots[i] = key;
        if (&slots == &slots_) ++size_;
        return true;
      }
    }
  }
  void grow() {
    std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
    for (std::uint64_t key : slots_)
      if (key) place(bigger, key);
    slots_.swap(bigger);
  }
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

}  // namespace

exploration explore(const machine& m) {
  const auto start = std::chrono::steady_clock::now();
  exploration r;
  struct node {
    std::uint64_t packed;
    std::uint32_t parent;  // index into nodes; itself for roots
    action via;
  };
  std::vector<node> nodes;
  visited_set visited;

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
    r.peak_bytes = nodes.capacity() * sizeof(node) + visited.bytes();
    return r;
  };

  for (const state& s : m.initial_states()) {
    const auto i = static_cast<std::uint32_t>(nodes.size());
    if (!visited.insert(s.pack())) continue;
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
          const bool fresh = visited.insert(packed);
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
