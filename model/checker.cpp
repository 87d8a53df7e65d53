#include "model/checker.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
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

// Visited states: open addressing with linear probing over packed states
// (stored + 1, so that 0 marks an empty slot), kept at most half full.
class table {
 public:
  table() : slots_(1u << 10, 0) {}
  void prefetch(std::uint64_t packed) const noexcept {
    __builtin_prefetch(&slots_[hash(packed + 1) & (slots_.size() - 1)]);
  }
  bool contains(std::uint64_t packed) const noexcept {
    const std::uint64_t key = packed + 1;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }
  // True if `packed` was not in the set (it is now).
  bool insert(std::uint64_t packed) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    return place(slots_, packed + 1, &size_);
  }
  std::size_t size() const noexcept { return size_; }
  std::uint64_t bytes() const noexcept { return slots_.size() * sizeof(std::uint64_t); }
  // What the next insert would allocate on top of bytes().
  std::uint64_t growth() const noexcept { return 2 * (size_ + 1) > slots_.size() ? 2 * bytes() : 0; }

 private:
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
  std::uint32_t parent;  // index into nodes; itself for roots
  action via;
};

// The successors of one state are numbered in the one-thread order
// (actions in scope order, then each action's ways): at most 2 per action.
constexpr int seq_bits = 5;
static_assert(max_successors <= (1 << seq_bits));

class search {
 public:
  search(const machine& m, const explore_options& o) : m_(m), o_(o) {
    limit_ = o.memory_limit ? o.memory_limit : default_memory_limit();
    jobs_ = o.jobs > 0 ? o.jobs : hardware_jobs();
    r_.jobs = jobs_;
  }

  exploration run() {
    start_ = std::chrono::steady_clock::now();
    if (!roots()) return finish();
    if (jobs_ == 1) sequential();
    else parallel();
    return finish();
  }

 private:
  std::size_t shard_of(std::uint64_t packed) const noexcept { return hash(packed) >> (64 - shard_bits_); }

  bool fits(std::uint64_t more, const char* what) {
    const std::uint64_t now = bytes();
    if (now + more <= limit_) return true;
    r_.out_of_memory = std::string("the ") + what + " would need " + std::to_string((now + more) >> 20) +
                       " MiB in all, more than the memory limit of " + std::to_string(limit_ >> 20) +
                       " MiB (after " + std::to_string(nodes_.size()) + " states); raise --memory or narrow the scope";
    return false;
  }
  std::uint64_t bytes() const noexcept {
    std::uint64_t b = nodes_.capacity() * sizeof(node);
    for (const auto& t : visited_) b += t.bytes();
    return b;
  }
  std::uint64_t nodes_growth(std::size_t more) const noexcept {
    return nodes_.size() + more > nodes_.capacity() ? std::max(nodes_.size() + more, 2 * nodes_.capacity()) * sizeof(node)
                                                    : 0;
  }
  bool reserve_nodes(std::size_t more) {
    if (nodes_.size() + more <= nodes_.capacity()) return true;
    const std::size_t want = std::max(nodes_.size() + more, 2 * nodes_.capacity());
    if (!fits(want * sizeof(node), "list of states")) return false;
    nodes_.reserve(want);
    return true;
  }

  counterexample path_to(std::uint32_t i) const {
    counterexample c;
    std::vector<action> rev;
    while (nodes_[i].parent != i) {
      rev.push_back(nodes_[i].via);
      i = nodes_[i].parent;
    }
    c.initial = state::unpack(nodes_[i].packed);
    c.path.assign(rev.rbegin(), rev.rend());
    return c;
  }

  // The initial states of the shard, checked in order.
  bool roots() {
    const auto initial = m_.initial_states();
    if (!fits(initial.size() / static_cast<std::size_t>(o_.shards) * (sizeof(node) + 4 * sizeof(std::uint64_t)),
              "initial states"))
      return false;
    for (const state& s : initial) {
      if (s.script % o_.shards != o_.shard) continue;
      if (!reserve_nodes(1)) return false;
      const auto i = static_cast<std::uint32_t>(nodes_.size());
      auto& t = visited_[shard_of(s.pack())];
      if (!fits(t.growth(), "visited set")) return false;
      if (!t.insert(s.pack())) continue;
      nodes_.push_back({s.pack(), i, action::recv});
      if (auto v = m_.invariants(s)) {
        r_.found = path_to(i);
        r_.found->v = *v;
        return false;
      }
    }
    return true;
  }

  // One successor of the state being expanded, packed.
  struct successor_at {
    std::uint64_t packed;
    action via;
    std::optional<violation> tv;
    state next;
  };

  // The successors of node i, packed, their visited-set slots prefetched.
  std::size_t generate(std::size_t i, std::vector<successor_at>& succ) const {
    const state s = state::unpack(nodes_[i].packed);
    state next[2];
    std::optional<violation> tv[2];
    std::size_t n = 0;
    for (action a : m_.bounds().actions) {
      const int ways = m_.successors(s, a, next, tv);
      for (int w = 0; w < ways; ++w) {
        succ[n] = {next[w].pack(), a, std::move(tv[w]), next[w]};
        if (succ[n].packed != nodes_[i].packed) visited_[shard_of(succ[n].packed)].prefetch(succ[n].packed);
        ++n;
      }
    }
    return n;
  }

  void sequential() {
    // A visited-set lookup is a cache miss: node i+1's successors are
    // generated (and their slots prefetched) before node i's are looked
    // up, so that the misses overlap the work. The order of lookups and
    // insertions is unchanged.
    std::vector<successor_at> cur(2 * m_.bounds().actions.size()), ahead(cur.size());
    std::vector<std::uint64_t> recent(4096, 0);
    std::size_t level_begin = 0;
    for (int depth = 0; depth < m_.bounds().depth && level_begin < nodes_.size(); ++depth) {
      const std::size_t level_end = nodes_.size();
      std::size_t n = generate(level_begin, cur);
      for (std::size_t i = level_begin; i < level_end; ++i) {
        const std::size_t n_ahead = i + 1 < level_end ? generate(i + 1, ahead) : 0;
        for (std::size_t k = 0; k < n; ++k) {
          const action a = cur[k].via;
          auto& tvw = cur[k].tv;
          ++r_.transitions;
          const std::uint64_t packed = cur[k].packed;
          // A step that changes nothing (a busy call, a no-op) is common: no
          // lookup; nor for a state met a moment ago (siblings often meet):
          // a small direct-mapped cache of states known to be visited.
          bool fresh = false;
          auto& seen = recent[hash(packed ^ 0x9e3779b97f4a7c15ull) & (recent.size() - 1)];
          if (packed != nodes_[i].packed && seen != packed + 1) {
            auto& t = visited_[shard_of(packed)];
            if ((t.growth() && !fits(t.growth(), "visited set")) || !reserve_nodes(1)) return;
            fresh = t.insert(packed);
            seen = packed + 1;
          }
          if (fresh) nodes_.push_back({packed, static_cast<std::uint32_t>(i), a});
          if (!fresh && !tvw) continue;
          const std::optional<violation> v = tvw ? tvw : m_.invariants(cur[k].next);
          if (v) {
            // Reported on the path through this edge.
            r_.found = path_to(static_cast<std::uint32_t>(i));
            r_.found->path.push_back(a);
            r_.found->v = *v;
            r_.depth = depth + 1;
            return;
          }
        }
        cur.swap(ahead);
        n = n_ahead;
      }
      level_begin = level_end;
      if (nodes_.size() > level_end) r_.depth = depth + 1;
    }
    close(level_begin);
  }

  void close(std::size_t level_begin) {
    r_.frontier = nodes_.size() - level_begin;
    r_.complete = r_.frontier == 0;
    if (!r_.complete) r_.depth = m_.bounds().depth;
  }

  // A successor not in the visited set when its level began, numbered by
  // the first edge to it in one-thread order (parent << seq_bits | seq).
  struct candidate {
    std::uint64_t packed;
    std::uint64_t rank;
    action via;
  };
  struct found_at {
    std::uint64_t rank = UINT64_MAX;
    violation v;
    action via = action::recv;
  };

  // Small levels are not worth starting threads for (the result is the
  // same either way).
  template <class F>
  void on_threads(F&& f) {
    std::vector<std::thread> threads;
    for (int t = 1; t < level_jobs_; ++t) threads.emplace_back(f, t);
    f(0);
    for (auto& t : threads) t.join();
  }

  // Level by level: (1) the threads expand chunks of the level against the
  // visited set as it was when the level began (read only), keeping the
  // successors not in it, bucketed by shard; (2) each shard, owned by one
  // thread, keeps each new state once with its smallest rank and inserts
  // it; (3) the new states are placed in rank order, which is the order
  // one thread would have appended them in.
  void parallel() {
    const std::size_t shards = visited_.size();
    const auto& actions = m_.bounds().actions;
    std::size_t level_begin = 0;
    for (int depth = 0; depth < m_.bounds().depth && level_begin < nodes_.size(); ++depth) {
      const std::size_t level_end = nodes_.size(), width = level_end - level_begin;
      level_jobs_ = width < o_.parallel_threshold ? 1 : jobs_;
      std::vector<std::uint8_t> trans(width, 0);
      std::vector<std::uint32_t> masks(width, 0);
      // Kept from level to level (cleared, not freed): their capacity is reused.
      auto& buckets = buckets_;
      if (buckets.empty())
        buckets.assign(static_cast<std::size_t>(jobs_), std::vector<std::vector<candidate>>(shards));
      std::vector<found_at> found(static_cast<std::size_t>(jobs_));
      std::atomic<std::size_t> next_chunk{0};
      constexpr std::size_t chunk = 512;
      on_threads([&](int t) {
        auto& mine = buckets[static_cast<std::size_t>(t)];
        auto& f = found[static_cast<std::size_t>(t)];
        // A thread's chunks come in rank order, so a successor it already
        // kept has the smaller rank: a small direct-mapped cache drops most
        // repeats before they reach the buckets.
        std::vector<std::uint64_t> recent(4096, 0);
        state next[2];
        std::optional<violation> tv[2];
        std::vector<successor_at> succ(2 * actions.size());
        for (;;) {
          const std::size_t c0 = level_begin + chunk * next_chunk.fetch_add(1);
          if (c0 >= level_end) return;
          for (std::size_t i = c0; i < std::min(c0 + chunk, level_end); ++i) {
            const state s = state::unpack(nodes_[i].packed);
            std::uint64_t seq = 0;
            // As in sequential(): all successors, their slots prefetched.
            std::size_t count = 0;
            for (action a : actions) {
              const int ways = m_.successors(s, a, next, tv);
              for (int w = 0; w < ways; ++w) {
                succ[count] = {next[w].pack(), a, std::move(tv[w]), next[w]};
                if (succ[count].packed != nodes_[i].packed)
                  visited_[shard_of(succ[count].packed)].prefetch(succ[count].packed);
                ++count;
              }
            }
            for (std::size_t k = 0; k < count; ++k) {
              {
                const action a = succ[k].via;
                auto& tvw = succ[k].tv;
                const std::uint64_t rank = (static_cast<std::uint64_t>(i) << seq_bits) | seq++;
                const std::uint64_t packed = succ[k].packed;
                const std::size_t sh = shard_of(packed);
                const bool fresh = packed != nodes_[i].packed && !visited_[sh].contains(packed);
                if (fresh) {
                  auto& slot = recent[hash(packed ^ 0x9e3779b97f4a7c15ull) & (recent.size() - 1)];
                  if (slot != packed + 1) mine[sh].push_back({packed, rank, a});
                  slot = packed + 1;
                }
                if (rank >= f.rank || (!fresh && !tvw)) continue;
                const std::optional<violation> v = tvw ? tvw : m_.invariants(succ[k].next);
                if (v) f = {rank, *v, a};
              }
            }
            trans[i - level_begin] = static_cast<std::uint8_t>(seq);
          }
        }
      });
      const auto first = std::min_element(found.begin(), found.end(), [](auto& a, auto& b) { return a.rank < b.rank; });

      // (2) One new state once, with its smallest rank.
      std::vector<std::vector<candidate>> fresh(shards);
      std::atomic<std::size_t> next_shard{0};
      std::atomic<std::uint64_t> growth{0};
      std::uint64_t more = 0;
      for (std::size_t sh = 0; sh < shards; ++sh) {
        std::size_t n = 0;
        for (const auto& b : buckets) n += b[sh].size();
        // The table doubles at most log2 times; bound by what would fit if
        // every candidate were new.
        std::uint64_t slots = visited_[sh].bytes() / sizeof(std::uint64_t);
        while (2 * (visited_[sh].size() + n) > slots) slots *= 2;
        more += slots * sizeof(std::uint64_t) > visited_[sh].bytes() ? slots * sizeof(std::uint64_t) : 0;
      }
      if (!fits(more, "visited set")) return;
      on_threads([&](int) {
        for (;;) {
          const std::size_t sh = next_shard.fetch_add(1);
          if (sh >= shards) return;
          auto& out = fresh[sh];
          // Each state once, with its smallest rank: an open-addressing
          // map from the state to its place in `out`.
          std::size_t n = 0;
          for (const auto& b : buckets) n += b[sh].size();
          std::size_t size = 16;
          while (size < 2 * n) size *= 2;
          std::vector<std::uint32_t> place(size, UINT32_MAX);
          out.reserve(n);
          for (auto& b : buckets) {
            for (const auto& c : b[sh]) {
              for (std::size_t k = hash(c.packed) & (size - 1);; k = (k + 1) & (size - 1)) {
                if (place[k] == UINT32_MAX) {
                  place[k] = static_cast<std::uint32_t>(out.size());
                  out.push_back(c);
                  break;
                }
                auto& kept = out[place[k]];
                if (kept.packed == c.packed) {
                  if (c.rank < kept.rank) kept = c;
                  break;
                }
              }
            }
            b[sh].clear();
          }
          for (const auto& c : out) {
            visited_[sh].insert(c.packed);
            const std::size_t p = static_cast<std::size_t>(c.rank >> seq_bits) - level_begin;
            std::atomic_ref<std::uint32_t>(masks[p]).fetch_or(1u << (c.rank & ((1u << seq_bits) - 1)),
                                                               std::memory_order_relaxed);
          }
          (void)growth;
        }
      });
      // (3) Place them in rank order: a parent's new children follow the
      // children of the parents before it, in sequence order.
      std::vector<std::uint64_t> offset(width + 1, 0);
      for (std::size_t p = 0; p < width; ++p) offset[p + 1] = offset[p] + static_cast<std::uint64_t>(std::popcount(masks[p]));
      const std::size_t added = offset[width];
      if (!reserve_nodes(added)) return;
      nodes_.resize(level_end + added);
      next_shard = 0;
      on_threads([&](int) {
        for (;;) {
          const std::size_t sh = next_shard.fetch_add(1);
          if (sh >= shards) return;
          for (const auto& c : fresh[sh]) {
            const std::size_t p = static_cast<std::size_t>(c.rank >> seq_bits) - level_begin;
            const std::uint32_t below = masks[p] & ((1u << (c.rank & ((1u << seq_bits) - 1))) - 1);
            nodes_[level_end + offset[p] + static_cast<std::uint64_t>(std::popcount(below))] = {
                c.packed, static_cast<std::uint32_t>(c.rank >> seq_bits), c.via};
          }
          std::vector<candidate>().swap(fresh[sh]);
        }
      });

      if (first->rank != UINT64_MAX) {
        // What one thread would have counted when it stopped at this edge.
        const std::size_t p = static_cast<std::size_t>(first->rank >> seq_bits) - level_begin;
        const std::uint32_t seq = static_cast<std::uint32_t>(first->rank & ((1u << seq_bits) - 1));
        for (std::size_t q = 0; q < p; ++q) r_.transitions += trans[q];
        r_.transitions += seq + 1;
        const std::uint32_t upto = seq == 31 ? masks[p] : masks[p] & ((2u << seq) - 1);
        nodes_.resize(level_end + offset[p] + static_cast<std::uint64_t>(std::popcount(upto)));
        r_.found = path_to(static_cast<std::uint32_t>(level_begin + p));
        r_.found->path.push_back(first->via);
        r_.found->v = first->v;
        r_.depth = depth + 1;
        return;
      }
      for (auto x : trans) r_.transitions += x;
      level_begin = level_end;
      if (nodes_.size() > level_end) r_.depth = depth + 1;
    }
    close(level_begin);
  }

  exploration finish() {
    r_.states = nodes_.size();
    if (o_.visited_out)
      for (const auto& n : nodes_) o_.visited_out->push_back(n.packed);
    r_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    r_.peak_bytes = std::max(peak_, bytes());
    return r_;
  }

  const machine& m_;
  explore_options o_;
  std::uint64_t limit_ = 0, peak_ = 0;
  int jobs_ = 1, level_jobs_ = 1;
  static constexpr int shard_bits_ = 6;
  std::vector<table> visited_ = std::vector<table>(std::size_t{1} << shard_bits_);
  std::vector<node> nodes_;
  std::vector<std::vector<std::vector<candidate>>> buckets_;  // per thread, per shard
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
