#include "model/checker.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <mutex>
#include <thread>

#include "lastword/wire/assert.hpp"

namespace lastword::model {
namespace {

std::size_t hash(std::uint64_t v) noexcept {
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  v *= 0xc4ceb9fe1a85ec53ull;
  v ^= v >> 33;
  return static_cast<std::size_t>(v);
}

// Visited states of one partition: open addressing with linear probing over
// packed states (stored + 1, so that 0 marks an empty slot), kept at most
// half full. Reused from partition to partition (cleared, not freed).
class table {
 public:
  table() : slots_(min_slots, 0) {}
  void reset() {
    // A table grown for a large partition shrinks back for the small ones,
    // so that clearing costs what the partition uses.
    if (slots_.size() > 4 * min_slots && 8 * size_ < slots_.size()) {
      std::size_t n = min_slots;
      while (n < 4 * size_) n *= 2;
      std::vector<std::uint64_t>(n, 0).swap(slots_);
    } else {
      std::fill(slots_.begin(), slots_.end(), 0);
    }
    size_ = 0;
  }
  // True if `packed` was not in the set (it is now). Call growth() first.
  bool insert(std::uint64_t packed) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    return place(slots_, packed + 1, &size_);
  }
  std::size_t size() const noexcept { return size_; }
  std::uint64_t bytes() const noexcept { return slots_.size() * sizeof(std::uint64_t); }
  // What the next insert would allocate on top of bytes().
  std::uint64_t growth() const noexcept { return 2 * (size_ + 1) > slots_.size() ? 2 * bytes() : 0; }

 private:
  static constexpr std::size_t min_slots = 256;
  static bool place(std::vector<std::uint64_t>& slots, std::uint64_t key, std::size_t* size) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i] == key) return false;
      if (slots[i] == 0) {
        slots[i] = key;
        if (size) ++*size;
        return true;
      }
    }
  }
  void grow() {
    std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
    for (std::uint64_t key : slots_)
      if (key) place(bigger, key, nullptr);
    slots_.swap(bigger);
  }
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

struct node {
  std::uint64_t packed;
  std::uint32_t parent;  // index into the partition's nodes; itself for roots
  action via;
};

// The initial states of one script (states of different scripts never meet).
struct partition {
  std::vector<state> roots;
  std::uint64_t weight = 0;  // the script's frames: bigger scripts first
};

// What one partition's search gave, level by level: enough to count what
// one thread, exploring every partition level by level, would count.
struct partition_result {
  std::vector<std::uint64_t> nodes_at;  // [d]: states at depth d (full levels)
  std::vector<std::uint64_t> trans_at;  // [d]: transitions from the states at depth d (full levels)
  // A violation at depth `stop` (0: a root): the states of that depth
  // added up to and including the violating step, and the transitions
  // from depth stop - 1 counted up to it.
  int stop = INT_MAX;
  std::uint64_t stop_nodes = 0, stop_trans = 0;
  std::optional<counterexample> found;
  std::uint64_t frontier = 0;  // states at the depth bound, not expanded
  std::vector<std::uint64_t> visited;  // explore_options::visited_out
};

constexpr std::uint64_t no_violation = UINT64_MAX;
std::uint64_t violation_key(int depth, std::size_t p) noexcept {
  return static_cast<std::uint64_t>(depth) << 32 | static_cast<std::uint64_t>(p);
}

class search {
 public:
  search(const machine& m, const explore_options& o) : m_(m), o_(o) {
    limit_ = o.memory_limit ? o.memory_limit : default_memory_limit();
    jobs_ = o.jobs > 0 ? o.jobs : hardware_jobs();
    r_.jobs = jobs_;
  }

  exploration run() {
    start_ = std::chrono::steady_clock::now();
    const auto initial = m_.initial_states();
    for (const state& s : initial) {
      if (s.script % o_.shards != o_.shard) continue;
      // One thread's order puts the roots (and so every level) script by
      // script; the counting below relies on it.
      LASTWORD_ASSERT(parts_.empty() || parts_.back().roots.front().script <= s.script);
      if (parts_.empty() || parts_.back().roots.front().script != s.script) {
        parts_.emplace_back();
        for (auto f : m_.scripts()[s.script].fragments) parts_.back().weight += f;
      }
      parts_.back().roots.push_back(s);
    }
    results_.resize(parts_.size());
    order_.resize(parts_.size());
    for (std::size_t p = 0; p < parts_.size(); ++p) order_[p] = p;
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return parts_[a].weight > parts_[b].weight; });
    const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(jobs_), std::max<std::size_t>(1, parts_.size())));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back([this] { work(); });
    work();
    for (auto& t : pool) t.join();
    combine();
    r_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    r_.peak_bytes = peak_bytes_.load();
    r_.peak_stored = peak_stored_.load();
    return r_;
  }

 private:
  // One thread's memory: its visited set and state list.
  struct worker {
    table visited;
    std::vector<node> nodes;
    std::uint64_t bytes = 0, stored = 0;  // what `held_` counts for this worker
  };

  // The deepest new states partition p still needs (its counts beyond are
  // not used: a shallower violation, or one as deep in an earlier script,
  // stops one thread first).
  int allowed(std::size_t p) const noexcept {
    const std::uint64_t best = best_.load(std::memory_order_relaxed);
    int d = m_.bounds().depth;
    if (best == no_violation) return d;
    const int bd = static_cast<int>(best >> 32);
    const std::size_t bp = static_cast<std::size_t>(best & 0xffffffffu);
    return std::min(d, p < bp ? bd : bd - 1);
  }

  // Counts this worker's memory in the total; false (and the search stops)
  // if that passes the limit.
  bool account(worker& w) {
    const std::uint64_t bytes = w.visited.bytes() + w.visited.growth() + w.nodes.capacity() * sizeof(node);
    const std::uint64_t stored = w.nodes.size();
    const std::uint64_t total_bytes = held_bytes_.fetch_add(bytes - w.bytes) + bytes - w.bytes;
    const std::uint64_t total_stored = held_stored_.fetch_add(stored - w.stored) + stored - w.stored;
    w.bytes = bytes;
    w.stored = stored;
    std::uint64_t peak = peak_bytes_.load();
    while (total_bytes > peak && !peak_bytes_.compare_exchange_weak(peak, total_bytes)) {}
    std::uint64_t ps = peak_stored_.load();
    while (total_stored > ps && !peak_stored_.compare_exchange_weak(ps, total_stored)) {}
    if (total_bytes <= limit_) return true;
    std::lock_guard<std::mutex> lock(oom_mutex_);
    if (!oom_) {
      char need[64], limit[64];
      std::snprintf(need, sizeof need, "%.1f", static_cast<double>(total_bytes) / (1 << 20));
      std::snprintf(limit, sizeof limit, "%.1f", static_cast<double>(limit_) / (1 << 20));
      oom_ = std::string("the visited set would need ") + need + " MiB in all, more than the memory limit of " +
             limit + " MiB (" +
             std::to_string(total_bytes) + " bytes for " + std::to_string(total_stored) +
             " states held); raise --memory or narrow the scope";
      stopped_.store(true);
    }
    return false;
  }

  static double thread_cpu() noexcept {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
  }

  void work() {
    const double cpu0 = thread_cpu();
    worker w;
    state next[2];
    std::optional<violation> tv[2];
    for (;;) {
      if (stopped_.load(std::memory_order_relaxed)) break;
      const std::size_t k = next_part_.fetch_add(1);
      if (k >= order_.size()) break;
      explore_part(order_[k], w, next, tv);
    }
    held_bytes_.fetch_sub(w.bytes);
    held_stored_.fetch_sub(w.stored);
    const double cpu = thread_cpu() - cpu0;
    std::lock_guard<std::mutex> lock(oom_mutex_);
    r_.busiest_thread_cpu_seconds = std::max(r_.busiest_thread_cpu_seconds, cpu);
  }

  static counterexample path_to(const std::vector<node>& nodes, std::uint32_t i) {
    counterexample c;
    std::vector<action> rev;
    while (nodes[i].parent != i) {
      rev.push_back(nodes[i].via);
      i = nodes[i].parent;
    }
    c.initial = state::unpack(nodes[i].packed);
    c.path.assign(rev.rbegin(), rev.rend());
    return c;
  }

  void found(std::size_t p, partition_result& res, int depth) {
    res.stop = depth;
    std::uint64_t key = violation_key(depth, p), best = best_.load();
    while (key < best && !best_.compare_exchange_weak(best, key)) {}
  }

  // Breadth-first over the states of partition p, as one thread would
  // visit them (the roots, then level by level, successors in scope order).
  void explore_part(std::size_t p, worker& w, state next[2], std::optional<violation> tv[2]) {
    auto& res = results_[p];
    auto& nodes = w.nodes;
    nodes.clear();
    w.visited.reset();
    if (!account(w)) return;
    for (const state& s : parts_[p].roots) {
      if (nodes.size() == nodes.capacity() || w.visited.growth()) {
        nodes.reserve(std::max<std::size_t>(64, 2 * nodes.capacity()));
        if (!account(w)) return;
      }
      const auto i = static_cast<std::uint32_t>(nodes.size());
      if (!w.visited.insert(s.pack())) continue;
      nodes.push_back({s.pack(), i, action::recv});
      if (auto v = m_.invariants(s)) {
        res.stop_nodes = nodes.size();
        res.found = path_to(nodes, i);
        res.found->v = *v;
        found(p, res, 0);
        return;
      }
    }
    res.nodes_at.push_back(nodes.size());
    const auto& actions = m_.bounds().actions;
    std::size_t level_begin = 0;
    for (int depth = 0; level_begin < nodes.size(); ++depth) {
      if (depth + 1 > allowed(p)) {
        if (depth == m_.bounds().depth) res.frontier = nodes.size() - level_begin;
        break;
      }
      if (stopped_.load(std::memory_order_relaxed)) return;
      const std::size_t level_end = nodes.size();
      std::uint64_t trans = 0;
      for (std::size_t i = level_begin; i < level_end; ++i) {
        const std::uint64_t from = nodes[i].packed;
        const state s = state::unpack(from);
        for (action a : actions) {
          const int ways = m_.successors(s, a, next, tv);
          for (int k = 0; k < ways; ++k) {
            ++trans;
            const std::uint64_t packed = next[k].pack();
            bool fresh = false;
            // A step that changes nothing (a busy call, a no-op) needs no lookup.
            if (packed != from) {
              if (nodes.size() == nodes.capacity() || w.visited.growth()) {
                if (nodes.size() == nodes.capacity()) nodes.reserve(2 * nodes.capacity());
                if (!account(w)) return;
              }
              fresh = w.visited.insert(packed);
              if (fresh) nodes.push_back({packed, static_cast<std::uint32_t>(i), a});
            }
            if (!fresh && !tv[k]) continue;
            const std::optional<violation> v = tv[k] ? tv[k] : m_.invariants(next[k]);
            if (!v) continue;
            // Reported on the path through this edge.
            res.stop_nodes = nodes.size() - level_end;
            res.stop_trans = trans;
            res.found = path_to(nodes, static_cast<std::uint32_t>(i));
            res.found->path.push_back(a);
            res.found->v = *v;
            found(p, res, depth + 1);
            return;
          }
        }
      }
      res.trans_at.push_back(trans);
      res.nodes_at.push_back(nodes.size() - level_end);
      level_begin = level_end;
    }
    account(w);  // the partition's states, all held now
    if (o_.visited_out) {
      res.visited.reserve(nodes.size());
      for (const auto& n : nodes) res.visited.push_back(n.packed);
    }
  }

  // The one-thread figures from the partitions' levels.
  void combine() {
    if (oom_) {
      // Nothing is proved; the states counted are those of the levels done.
      r_.out_of_memory = oom_;
      for (const auto& res : results_)
        for (auto n : res.nodes_at) r_.states += n;
      return;
    }
    auto at = [](const std::vector<std::uint64_t>& v, int d) -> std::uint64_t {
      return d >= 0 && static_cast<std::size_t>(d) < v.size() ? v[static_cast<std::size_t>(d)] : 0;
    };
    const std::uint64_t best = best_.load();
    if (best != no_violation) {
      const int d = static_cast<int>(best >> 32);
      const std::size_t bp = static_cast<std::size_t>(best & 0xffffffffu);
      for (std::size_t p = 0; p < results_.size(); ++p) {
        const auto& res = results_[p];
        for (int e = 0; e < d; ++e) r_.states += at(res.nodes_at, e);
        for (int e = 0; e + 1 < d; ++e) r_.transitions += at(res.trans_at, e);
        if (p < bp) {
          r_.states += at(res.nodes_at, d);
          r_.transitions += at(res.trans_at, d - 1);
        }
      }
      r_.states += results_[bp].stop_nodes;
      r_.transitions += results_[bp].stop_trans;
      r_.found = results_[bp].found;
      r_.depth = d;
      return;
    }
    int deepest = 0;
    for (const auto& res : results_) {
      for (auto n : res.nodes_at) r_.states += n;
      for (auto t : res.trans_at) r_.transitions += t;
      for (std::size_t e = 0; e < res.nodes_at.size(); ++e)
        if (res.nodes_at[e]) deepest = std::max(deepest, static_cast<int>(e));
      r_.frontier += res.frontier;
    }
    r_.complete = r_.frontier == 0;
    r_.depth = r_.complete ? deepest : m_.bounds().depth;
    if (o_.visited_out)
      for (const auto& res : results_) o_.visited_out->insert(o_.visited_out->end(), res.visited.begin(), res.visited.end());
  }

  const machine& m_;
  explore_options o_;
  std::uint64_t limit_ = 0;
  int jobs_ = 1;
  std::vector<partition> parts_;
  std::vector<std::size_t> order_;  // partitions by weight, heaviest first
  std::vector<partition_result> results_;
  std::atomic<std::size_t> next_part_{0};
  std::atomic<std::uint64_t> best_{no_violation};  // violation_key of the first counterexample
  std::atomic<std::uint64_t> held_bytes_{0}, held_stored_{0}, peak_bytes_{0}, peak_stored_{0};
  std::atomic<bool> stopped_{false};
  std::mutex oom_mutex_;
  std::optional<std::string> oom_;
  exploration r_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::string closure(bool complete, int depth, std::uint64_t frontier, bool found, const char* unit) {
  if (found) return "stopped at depth " + std::to_string(depth) + " by a counterexample";
  if (complete) return "complete: the reachable space closed at depth " + std::to_string(depth);
  return "bounded at depth " + std::to_string(depth) + ": " + std::to_string(frontier) + " " + unit +
         " on the frontier, not expanded";
}

std::uint64_t default_memory_limit() noexcept {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return std::uint64_t{4} << 30;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(size) / 2;
}

int hardware_jobs() noexcept { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

exploration explore(const machine& m, const explore_options& options) {
  LASTWORD_ASSERT(options.shards >= 1 && options.shard >= 0 && options.shard < options.shards);
  return search(m, options).run();
}

}  // namespace lastword::model
