#include "lastword/explore/explore.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <unordered_map>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/wire/assert.hpp"

namespace lastword::explore {
namespace {

using clock_type = std::chrono::steady_clock;

// Outcomes as comparable words.
std::vector<std::string> words(const std::vector<model::outcome>& outs) {
  std::vector<std::string> w;
  for (const auto& o : outs) {
    switch (o.k) {
      case model::outcome::kind::message: w.push_back("message m" + std::to_string(o.index)); break;
      case model::outcome::kind::fragment:
        w.push_back("fragment m" + std::to_string(o.index) + "f" + std::to_string(o.fragment));
        break;
      case model::outcome::kind::stream_end: w.push_back("stream-end"); break;
      case model::outcome::kind::closed: w.push_back("closed"); break;
      case model::outcome::kind::timeout: w.push_back("timeout"); break;
      case model::outcome::kind::cancelled: w.push_back("cancelled"); break;
      case model::outcome::kind::busy: w.push_back("busy"); break;
      case model::outcome::kind::close_returned: w.push_back("close-returned"); break;
      case model::outcome::kind::sent: w.push_back("sent"); break;
      case model::outcome::kind::send_failed: w.push_back("send-failed"); break;
    }
  }
  std::sort(w.begin(), w.end());
  return w;
}

// The results of every step of the schedule, as the same words, step by
// step ([k]: the results that came in step k's turn), in one pass over the
// history. A send() of a continuation frame is not a word of its own: the
// model counts messages, and a message's frames sent in one turn are
// written (or fail) together, so its result is that of the message's first
// frame. Steps before `first` get no words (their calls are still
// recorded: a later result may belong to an earlier call).
std::vector<std::vector<std::string>> observed_by_step(const scenario::scenario& s, const history::history& h,
                                                       std::size_t first = 0) {
  struct call_info {
    history::call_kind what = history::call_kind::recv;
    bool continuation = false;
  };
  std::vector<call_info> calls;  // by call id (ids count from 1)
  calls.reserve(s.schedule.size() + 1);  // a step starts at most one call
  std::vector<std::vector<std::string>> w(s.schedule.size());
  for (const auto& e : h.events) {
    if (e.k == history::event::kind::call) {
      if (calls.size() <= e.call) calls.resize(e.call + 1);
      calls[e.call] = {e.what, e.what == history::call_kind::send && e.step < s.schedule.size() &&
                                   s.schedule[e.step].frame == scenario::peer_frame::kind::continuation};
    }
    if (e.k != history::event::kind::result || e.step >= w.size() || e.step < first) continue;
    const call_info c = e.call < calls.size() ? calls[e.call] : call_info{};
    auto& out = w[e.step];
    const auto& r = e.result;
    using K = history::call_result::kind;
    switch (r.k) {
      case K::message: {
        if (r.data.empty()) {
          out.push_back("stream-end");
        } else {
          const auto f = r.data.find('f');
          out.push_back("message " + r.data.substr(0, f));
        }
        break;
      }
      case K::fragment: out.push_back("fragment " + r.data); break;
      case K::closed: out.push_back(c.what == history::call_kind::close ? "close-returned" : "closed"); break;
      case K::timeout: out.push_back("timeout"); break;
      case K::cancelled: out.push_back("cancelled"); break;
      case K::busy: out.push_back("busy"); break;
      case K::refused: out.push_back("refused"); break;  // the model's close(1000) is never refused
      case K::sent:
        if (!c.continuation) out.push_back("sent");
        break;
      case K::failed:
        if (!c.continuation) out.push_back("send-failed");
        break;
    }
  }
  return w;
}

// The words of steps [first, end), sorted.
std::vector<std::string> observed(const std::vector<std::vector<std::string>>& by_step, std::size_t first,
                                  std::size_t end) {
  std::vector<std::string> w;
  for (std::size_t k = first; k < end && k < by_step.size(); ++k)
    w.insert(w.end(), by_step[k].begin(), by_step[k].end());
  std::sort(w.begin(), w.end());
  return w;
}

std::string join(const std::vector<std::string>& w) {
  std::string s = "{";
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? ", " : "") + w[i];
  return s + "}";
}

// Which SPEC invariant a disagreement with the model breaks.
char classify(const std::vector<std::string>& got, const std::vector<std::vector<std::string>>& allowed) {
  auto has = [](const std::vector<std::string>& w, std::string_view prefix) {
    return std::any_of(w.begin(), w.end(), [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
  };
  for (const auto& a : allowed) {
    // S: a message not written when it should be, or a send() that failed.
    if (has(a, "sent") && !has(got, "sent")) return 'S';
    if (has(got, "send-failed") != has(a, "send-failed")) return 'S';
    if (has(a, "close-returned") && !has(got, "close-returned")) return 'L';
    if (has(a, "message") && has(got, "timeout")) return 'T';
    if (has(a, "closed") && has(got, "timeout")) return 'L';
    if ((has(a, "closed") || has(a, "message") || has(a, "stream-end")) && got.empty()) return 'L';
    if (has(a, "busy") != has(got, "busy")) return 'K';
  }
  return 'D';
}

// Consumer calls that are never a no-op for an implementation: close()
// and send(). The model disables them in some states for its own reasons
// (a send() past the scope's count of sends, a second close()), where the
// implementation would still act; so a set of states takes them only when
// every state does, or a state that leaves them out would say the
// implementation should have done nothing.
bool never_a_no_op(model::action a) {
  return a == model::action::close || a == model::action::send_and_close || a == model::action::send ||
         a == model::action::send_fragmented;
}

// Whether a set of model states takes the action: enabled in at least one
// state (the others stay where the action changes nothing), and in every
// state for close() and send() (never a no-op).
bool taken_by(const model::machine& m, const std::vector<std::uint64_t>& states, model::action a) {
  bool some = false, every = true;
  for (std::uint64_t packed : states) {
    const bool e = !m.steps(model::state::unpack(packed), a).empty();
    some = some || e;
    every = every && e;
  }
  return some && (every || !never_a_no_op(a));
}

struct disagreement {
  char invariant;
  std::string what;
  bool model_itself;  // the model broke its own invariant; otherwise it allows other outcomes
};

// Follows `a` from the model states `from` to those whose outcomes are the
// implementation's `got`, into `next` (sorted, distinct); `step` is the
// schedule step it ends at, for the message.
std::optional<disagreement> follow(const model::machine& m, const std::vector<std::uint64_t>& from, model::action a,
                                   const std::vector<std::string>& got, std::size_t step,
                                   std::vector<std::uint64_t>& next, std::uint64_t* transitions) {
  next.clear();
  std::vector<std::vector<std::string>> allowed;
  for (std::uint64_t packed : from) {
    for (const auto& x : m.steps_or_stay(model::state::unpack(packed), a)) {
      if (transitions) ++*transitions;
      auto w = words(x.outcomes);
      const bool match = w == got;
      if (std::find(allowed.begin(), allowed.end(), w) == allowed.end()) allowed.push_back(std::move(w));
      if (!match) continue;
      if (const auto v = x.transition_violation ? x.transition_violation : m.invariants(x.next)) {
        next.clear();
        return disagreement{v->invariant, "the model itself: " + v->what, true};
      }
      next.push_back(x.next.pack());
    }
  }
  if (next.empty()) {
    std::string want;
    for (const auto& w : allowed) want += (want.empty() ? "" : " or ") + join(w);
    return disagreement{classify(got, allowed),
                        "at step " + std::to_string(step) + " (" + std::string(model::action_name(a)) +
                            ") the consumer saw " + join(got) + "; the model allows " + want,
                        false};
  }
  std::sort(next.begin(), next.end());
  next.erase(std::unique(next.begin(), next.end()), next.end());
  return std::nullopt;
}

}  // namespace

bool expressible(model::action a, std::string_view impl) {
  const impls::implementation* i = impls::find_implementation(impl);
  LASTWORD_ASSERT(i);
  switch (a) {
    case model::action::recv_zero:
    case model::action::recv_timeout: return i->vocab.timeouts;
    case model::action::streaming: return i->vocab.streaming;
    case model::action::cancel: return i->vocab.cancel;
    default: return true;
  }
}

std::optional<failure> check_step(const model::machine& m, const std::vector<std::uint64_t>& from,
                                  const std::vector<model::action>& path, std::string_view impl,
                                  std::vector<std::uint64_t>& next, std::uint64_t* transitions,
                                  bool* not_applicable, const history::judge_options& judging) {
  next.clear();
  const model::action a = path.back();
  if (!taken_by(m, from, a)) return std::nullopt;
  model::state initial;
  initial.script = model::state::unpack(from.front()).script;
  const auto sc = m.to_scenario(initial, path);
  const std::size_t first = sc.schedule.size() - (model::joined(a) ? 2 : 1);
  const auto h = impls::run_in_simulation(sc, impl);
  if (!h.not_applicable.empty()) {
    if (not_applicable) *not_applicable = true;
    return std::nullopt;
  }
  if (const auto v = history::judge(sc, h, judging); !v.empty())
    return failure{v.front().invariant, history::describe(sc, v.front()), sc, sc.schedule.size()};
  const auto d =
      follow(m, from, a, observed(observed_by_step(sc, h, first), first, sc.schedule.size()), sc.schedule.size(), next, transitions);
  if (!d) return std::nullopt;
  failure f{d->invariant, d->what, sc, sc.schedule.size()};
  if (!d->model_itself) {
    // Make the disagreement visible to the judge alone (and so to
    // `lastword replay`): the consumer keeps calling recv after it.
    for (const bool wait : {false, true}) {
      scenario::scenario witness = sc;
      scenario::step advance, recv;
      advance.k = scenario::step::kind::advance;
      advance.n = 1000;
      recv.k = scenario::step::kind::recv;
      if (wait) witness.schedule.push_back(advance);
      for (int k = 0; k < 4; ++k) witness.schedule.push_back(recv);
      const auto judged = impls::run_and_judge(witness, impl, judging);
      if (!judged || judged->empty()) continue;
      const auto& wv = *judged;
      f.counterexample = std::move(witness);
      f.what += "; with recv calls after it: " + history::describe(f.counterexample, wv.front());
      break;
    }
  }
  return f;
}

std::optional<failure> check_path(const model::machine& m, std::uint16_t script,
                                  const std::vector<model::action>& path_in, std::string_view impl,
                                  const history::judge_options& judging) {
  model::state initial;
  initial.script = script;
  // Keep only the actions that are enabled along the way (as the model
  // follows the whole set of states it may be in).
  std::vector<std::vector<std::uint64_t>> sets{{initial.pack()}};
  std::vector<model::action> path;
  for (model::action a : path_in) {
    // close() and send() only where every state takes them, so that they
    // are enabled wherever the implementation turns out to be.
    if (!taken_by(m, sets.back(), a)) continue;
    std::vector<std::uint64_t> all;
    for (auto packed : sets.back())
      for (const auto& x : m.steps_or_stay(model::state::unpack(packed), a)) all.push_back(x.next.pack());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    sets.push_back(std::move(all));
    path.push_back(a);
  }
  const auto sc = m.to_scenario(initial, path);
  const auto h = impls::run_in_simulation(sc, impl);
  if (!h.not_applicable.empty()) return std::nullopt;
  if (const auto v = history::judge(sc, h, judging); !v.empty())
    return failure{v.front().invariant, history::describe(sc, v.front()), sc, sc.schedule.size()};
  // Follow the model with exact sets, comparing each step's results.
  const auto by_step = observed_by_step(sc, h);
  std::vector<std::uint64_t> current{initial.pack()};
  std::size_t step = 0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const model::action a = path[i];
    const std::size_t first = step, end = step + (model::joined(a) ? 2 : 1);
    step = end;
    std::vector<std::uint64_t> next;
    if (const auto d = follow(m, current, a, observed(by_step, first, end), end, next, nullptr))
      return failure{d->invariant, d->what, sc, d->model_itself ? sc.schedule.size() : end};
    current = std::move(next);
  }
  return std::nullopt;
}

std::string closure(const result& r) {
  if (r.interrupted)
    return "interrupted after depth " + std::to_string(r.depth) + ": " +
           (r.depth == 0 ? std::string("no path")
                         : "every path of up to " + std::to_string(r.depth) + (r.depth == 1 ? " step" : " steps")) +
           " checked, " + std::to_string(r.frontier) + " paths not fully expanded";
  // Refinement's frontier is of paths (nodes: sets of model states).
  return model::closure(r.complete, r.depth, r.frontier, r.found.has_value(), r.runs > 0 ? "paths" : "states");
}

result explore_model(const model::machine& m, const model::explore_options& options) {
  const auto r = model::explore(m, options);
  result out;
  out.states = r.states;
  out.paths = r.states;
  out.transitions = r.transitions;
  out.depth = r.depth;
  out.complete = r.complete;
  out.frontier = r.frontier;
  out.jobs = r.jobs;
  out.out_of_memory = r.out_of_memory;
  out.seconds = r.seconds;
  out.peak_bytes = r.peak_bytes;
  if (r.found) {
    const auto s = m.to_scenario(r.found->initial, r.found->path);
    out.found = failure{r.found->v.invariant, "the model itself: " + r.found->v.what, s, s.schedule.size()};
  }
  return out;
}

result explore_impl(const model::machine& m, std::string_view impl, const progress_fn& progress,
                    const model::explore_options& options, const history::judge_options& judging, bool lookahead,
                    const std::function<bool()>& stop) {
  const auto start = clock_type::now();
  auto last_progress = start;
  result r;
  const int jobs = options.jobs > 0 ? options.jobs : model::hardware_jobs();
  r.jobs = jobs;
  // Where the model allows several outcomes that look the same from outside
  // (events in one turn), the implementation may be in any of the states
  // they lead to: a node is the set of model states consistent with what
  // the implementation showed so far.
  struct node {
    std::vector<std::uint64_t> states;  // sorted, distinct
    std::uint32_t parent;
    model::action via;
  };
  struct set_hash {
    std::size_t operator()(const std::vector<std::uint64_t>& v) const noexcept {
      std::uint64_t h = 0xcbf29ce484222325ull;
      for (auto x : v) h = (h ^ x) * 0x100000001b3ull;
      return static_cast<std::size_t>(h);
    }
  };
  std::vector<node> nodes;
  std::unordered_map<std::vector<std::uint64_t>, std::uint32_t, set_hash> visited;
  std::unordered_map<std::uint64_t, char> model_states;  // distinct model states seen
  // The path to node i, with room for `extra` more actions.
  auto path_to = [&](std::uint32_t i, std::uint16_t& script, std::size_t extra) {
    std::size_t length = 0;
    for (std::uint32_t j = i; nodes[j].parent != j; j = nodes[j].parent) ++length;
    std::vector<model::action> path;
    path.reserve(length + extra);
    path.resize(length);
    for (std::size_t k = length; k-- > 0; i = nodes[i].parent) path[k] = nodes[i].via;
    script = model::state::unpack(nodes[i].states.front()).script;
    return path;
  };
  std::uint64_t work_bytes = 0;  // the largest level's task list and a chunk's outcomes
  auto finish = [&] {
    r.states = model_states.size();
    r.paths = nodes.size();
    r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    std::uint64_t bytes = nodes.capacity() * sizeof(node) + visited.bucket_count() * sizeof(void*);
    for (const auto& n : nodes) bytes += 2 * n.states.capacity() * sizeof(std::uint64_t) + 4 * sizeof(void*);
    r.peak_bytes = bytes + work_bytes + model_states.size() * (sizeof(std::uint64_t) + 2 * sizeof(void*));
    return r;
  };
  for (const auto& s : m.initial_states()) {
    if (s.script % options.shards != options.shard) continue;
    std::vector<std::uint64_t> set{s.pack()};
    const auto i = static_cast<std::uint32_t>(nodes.size());
    if (visited.emplace(set, i).second) {
      nodes.push_back({set, i, model::action::recv});
      model_states.emplace(s.pack(), 0);
    }
  }

  std::vector<model::action> actions;
  for (model::action a : m.bounds().actions) (expressible(a, impl) ? actions : r.left_out).push_back(a);

  // One run: a step from a set of states along a path. Tasks of a level are
  // independent, so they run on the threads; their results are then taken
  // in the one-thread order, which makes the result the one-thread result.
  // A task names its node (or merge point) and its step; the worker builds
  // the path itself, and a level runs in chunks, so that memory holds a
  // chunk's paths and outcomes, not a whole level's.
  std::vector<node> merges, merges_next;  // merge points awaiting their lookahead
  struct task {
    std::uint32_t index;  // into nodes, or into merges for a lookahead
    model::action step;
    bool merge;  // a lookahead from a merge point
  };
  struct outcome {
    std::optional<failure> f;
    std::vector<std::uint64_t> next;
    std::uint64_t transitions = 0;
    bool skipped = false;
  };
  auto run_one = [&](const task& t, outcome& o) {
    std::uint16_t script = 0;
    const node& n = t.merge ? merges[t.index] : nodes[t.index];
    std::vector<model::action> path = path_to(t.merge ? n.parent : t.index, script, 2);
    if (t.merge) path.push_back(n.via);
    path.push_back(t.step);
    o.f = check_step(m, n.states, path, impl, o.next, &o.transitions, &o.skipped, judging);
  };
  constexpr std::size_t chunk = 8192;
  std::vector<outcome> outs;
  auto run_tasks = [&](const task* tasks, std::size_t count) {
    outs.clear();
    outs.resize(count);
    std::atomic<std::size_t> next_task{0};
    auto work = [&] {
      for (;;) {
        const std::size_t k = next_task.fetch_add(1);
        if (k >= count) return;
        run_one(tasks[k], outs[k]);
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < jobs && static_cast<std::size_t>(t) < count; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
  };

  std::size_t level_begin = 0;
  int depth = 0;
  std::vector<task> tasks;
  for (; depth < m.bounds().depth && (level_begin < nodes.size() || !merges.empty()); ++depth) {
    const std::size_t level_end = nodes.size();
    tasks.clear();
    for (std::size_t i = level_begin; i < level_end; ++i)
      for (model::action a : actions) tasks.push_back({static_cast<std::uint32_t>(i), a, false});
    for (std::size_t i = 0; i < merges.size(); ++i)
      for (model::action b : actions) tasks.push_back({static_cast<std::uint32_t>(i), b, true});
    for (std::size_t c = 0; c < tasks.size(); c += chunk) {
      if (stop && stop()) {
        // Paths of up to `depth` steps are checked. Not fully expanded:
        // this level's nodes from the first task not run (node tasks come
        // first, then the merges' lookaheads), the merges whose lookahead
        // has not run, and what this level added.
        const task& first = tasks[c];
        r.interrupted = true;
        r.depth = depth;
        r.frontier = (first.merge ? merges.size() - first.index : (level_end - first.index) + merges.size()) +
                     (nodes.size() - level_end) + merges_next.size();
        return finish();
      }
      const std::size_t count = std::min(chunk, tasks.size() - c);
      // Nodes are added only between chunks, while no worker reads them.
      run_tasks(tasks.data() + c, count);
      work_bytes = std::max<std::uint64_t>(work_bytes, tasks.capacity() * sizeof(task) + outs.capacity() * sizeof(outcome));
      for (std::size_t k = 0; k < count; ++k) {
        auto& o = outs[k];
        const task& t = tasks[c + k];
        r.transitions += o.transitions;
        if (o.skipped) ++r.not_applicable;
        if (!o.next.empty() || o.f) ++r.runs;
        for (std::uint64_t packed : o.next) model_states.emplace(packed, 0);
        if (o.f) {
          r.found = std::move(o.f);
          r.depth = depth + 1;
          return finish();
        }
        if (t.merge || o.next.empty()) continue;  // a lookahead, or not enabled
        if (visited.emplace(o.next, static_cast<std::uint32_t>(nodes.size())).second) {
          nodes.push_back({std::move(o.next), t.index, t.step});
          continue;
        }
        // A merge: this path reaches states already explored along a
        // shorter one. An implementation whose hidden state differs between
        // the two paths would be checked only along the first; one step of
        // lookahead from here (with the paths one longer, so in the next
        // level) shows most such divergences.
        if (depth + 1 < m.bounds().depth && lookahead) merges_next.push_back({std::move(o.next), t.index, t.step});
      }
      if (progress && clock_type::now() - last_progress > std::chrono::seconds(2)) {
        last_progress = clock_type::now();
        r.states = model_states.size();
        r.depth = depth;
        r.seconds = std::chrono::duration<double>(last_progress - start).count();
        progress(r);
      }
    }
    merges = std::move(merges_next);
    merges_next.clear();
    if (nodes.size() > level_end || !merges.empty()) r.depth = depth + 1;
    level_begin = level_end;
  }
  // Closed when no node is left unexpanded and no merge awaits its lookahead.
  r.frontier = (nodes.size() - level_begin) + merges.size();
  r.complete = r.frontier == 0;
  if (!r.complete) r.depth = m.bounds().depth;
  return finish();
}

}  // namespace lastword::explore
