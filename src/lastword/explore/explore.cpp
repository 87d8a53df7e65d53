#include "lastword/explore/explore.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/wire/assert.hpp"

namespace lastword::explore {
namespace {

using clock_type = std::chrono::steady_clock;

// What the consumer saw, as comparable words: one integer per result
// (kind, message, fragment), a step's results as a sorted list of them.
// Rendered as text only for a report.
using word = std::uint32_t;
using word_list = boost::container::small_vector<word, 6>;

// The model's outcome kinds, and what only an implementation can show.
constexpr unsigned refused_kind = 16;       // close() refused (the model's close(1000) never is)
constexpr unsigned odd_kind = 17;       // a payload that is none of the script's (its text kept aside)

constexpr word make_word(unsigned kind, unsigned index = 0, unsigned fragment = 0) {
  return (kind << 16) | (index << 8) | fragment;
}
constexpr word make_word(model::outcome::kind k, unsigned index = 0, unsigned fragment = 0) {
  return make_word(static_cast<unsigned>(k), index, fragment);
}
constexpr unsigned kind_of(word w) { return w >> 16; }
constexpr bool is(word w, model::outcome::kind k) { return kind_of(w) == static_cast<unsigned>(k); }

// `odd`: the texts of the payloads that are none of the script's, by the
// index their words carry.
std::string text(word w, const std::vector<std::string>& odd) {
  using K = model::outcome::kind;
  const std::string index = std::to_string((w >> 8) & 0xff), fragment = std::to_string(w & 0xff);
  switch (kind_of(w)) {
    case static_cast<unsigned>(K::message): return "message m" + index;
    case static_cast<unsigned>(K::fragment): return "fragment m" + index + "f" + fragment;
    case static_cast<unsigned>(K::stream_end): return "stream-end";
    case static_cast<unsigned>(K::closed): return "closed";
    case static_cast<unsigned>(K::timeout): return "timeout";
    case static_cast<unsigned>(K::cancelled): return "cancelled";
    case static_cast<unsigned>(K::busy): return "busy";
    case static_cast<unsigned>(K::close_returned): return "close-returned";
    case static_cast<unsigned>(K::sent): return "sent";
    case static_cast<unsigned>(K::send_failed): return "send-failed";
    case refused_kind: return "refused";
    case odd_kind: {
      const std::size_t i = w & 0xffff;
      return i < odd.size() ? odd[i] : "?";
    }
  }
  return "?";
}

// A model outcome's word: a message names its index, a fragment its index
// and fragment; the other kinds name nothing more, as the consumer sees
// them.
word_list words(const model::outcome_list& outs) {
  using O = model::outcome::kind;
  word_list w;
  for (const auto& o : outs)
    w.push_back(o.k == O::message    ? make_word(o.k, o.index)
                : o.k == O::fragment ? make_word(o.k, o.index, o.fragment)
                                     : make_word(o.k));
  std::sort(w.begin(), w.end());
  return w;
}

// Parses a canonical decimal number below 256 from the front of `s`.
std::optional<unsigned> small_number(std::string_view& s) {
  std::size_t n = 0;
  unsigned v = 0;
  while (n < s.size() && n < 3 && s[n] >= '0' && s[n] <= '9') v = v * 10 + static_cast<unsigned>(s[n++] - '0');
  if (n == 0 || (n > 1 && s[0] == '0') || v > 255) return std::nullopt;
  s.remove_prefix(n);
  return v;
}

// "mI" at the front of `data`: I, with `data` left at what follows.
std::optional<unsigned> message_index(std::string_view& data) {
  if (data.empty() || data[0] != 'm') return std::nullopt;
  data.remove_prefix(1);
  return small_number(data);
}

// A delivered payload as the script's names it: "mI" (a message, whose
// fragments follow as "fJ...") or "mIfJ" (a fragment); none for a payload
// that is none of the script's.
std::optional<word> message_word(std::string_view data) {
  const auto i = message_index(data);
  if (!i || (!data.empty() && data[0] != 'f')) return std::nullopt;
  return make_word(model::outcome::kind::message, *i);
}
std::optional<word> fragment_word(std::string_view data) {
  const auto i = message_index(data);
  if (!i || data.empty() || data[0] != 'f') return std::nullopt;
  data.remove_prefix(1);
  const auto f = small_number(data);
  if (!f || !data.empty()) return std::nullopt;
  return make_word(model::outcome::kind::fragment, *i, *f);
}

// What the consumer saw, step by step, and the texts of its odd payloads.
struct observation {
  std::vector<word_list> by_step;
  std::vector<std::string> odd;
  // A payload that is none of the script's: a word equal to no model word,
  // whose text is kept for a report.
  word odd_word(std::string t) {
    const std::size_t i = std::min<std::size_t>(odd.size(), 0xffff);
    if (i == odd.size()) odd.push_back(std::move(t));
    return make_word(odd_kind) | static_cast<word>(i);
  }
};

// The results of every step of the schedule, as words, step by step ([k]:
// the results that came in step k's turn), in one pass over the history. A
// send() of a continuation frame is not a word of its own: the model counts
// messages, and a message's frames sent in one turn are written (or fail)
// together, so its result is that of the message's first frame. Steps
// before `first` get no words (their calls are still recorded: a later
// result may belong to an earlier call).
observation observed_by_step(const scenario::scenario& s, const history::history& h, std::size_t first = 0) {
  struct call_info {
    history::call_kind what = history::call_kind::recv;
    bool continuation = false;
  };
  boost::container::small_vector<call_info, 32> calls;  // by call id (ids count from 1)
  observation obs;
  obs.by_step.resize(s.schedule.size());
  auto& w = obs.by_step;
  using O = model::outcome::kind;
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
      case K::message:
        if (r.data.empty()) {
          out.push_back(make_word(O::stream_end));
        } else if (const auto m = message_word(r.data)) {
          out.push_back(*m);
        } else {
          out.push_back(obs.odd_word("message " + r.data.substr(0, r.data.find('f'))));
        }
        break;
      case K::fragment:
        if (const auto f = fragment_word(r.data)) {
          out.push_back(*f);
        } else {
          out.push_back(obs.odd_word("fragment " + r.data));
        }
        break;
      case K::closed: out.push_back(make_word(c.what == history::call_kind::close ? O::close_returned : O::closed)); break;
      case K::timeout: out.push_back(make_word(O::timeout)); break;
      case K::cancelled: out.push_back(make_word(O::cancelled)); break;
      case K::busy: out.push_back(make_word(O::busy)); break;
      case K::refused: out.push_back(make_word(refused_kind)); break;
      case K::sent:
        if (!c.continuation) out.push_back(make_word(O::sent));
        break;
      case K::failed:
        if (!c.continuation) out.push_back(make_word(O::send_failed));
        break;
    }
  }
  return obs;
}

// The words of steps [first, end), sorted.
word_list observed(const std::vector<word_list>& by_step, std::size_t first, std::size_t end) {
  word_list w;
  for (std::size_t k = first; k < end && k < by_step.size(); ++k)
    w.insert(w.end(), by_step[k].begin(), by_step[k].end());
  std::sort(w.begin(), w.end());
  return w;
}

std::string join(const word_list& w, const std::vector<std::string>& odd = {}) {
  std::vector<std::string> t;
  for (word x : w) t.push_back(text(x, odd));
  std::sort(t.begin(), t.end());
  std::string s = "{";
  for (std::size_t i = 0; i < t.size(); ++i) s += (i ? ", " : "") + t[i];
  return s + "}";
}

// Which SPEC invariant a disagreement with the model breaks.
char classify(const word_list& got, const std::vector<word_list>& allowed) {
  using O = model::outcome::kind;
  auto has = [](const word_list& w, O k) { return std::any_of(w.begin(), w.end(), [&](word x) { return is(x, k); }); };
  for (const auto& a : allowed) {
    // S: a message not written when it should be, or a send() that failed.
    if (has(a, O::sent) && !has(got, O::sent)) return 'S';
    if (has(got, O::send_failed) != has(a, O::send_failed)) return 'S';
    if (has(a, O::close_returned) && !has(got, O::close_returned)) return 'L';
    if (has(a, O::message) && has(got, O::timeout)) return 'T';
    if (has(a, O::closed) && has(got, O::timeout)) return 'L';
    if ((has(a, O::closed) || has(a, O::message) || has(a, O::stream_end)) && got.empty()) return 'L';
    if (has(a, O::busy) != has(got, O::busy)) return 'K';
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

// The ways `a` goes from each of `states` (steps_or_stay), appended to
// `ways`; whether the set takes the action: enabled in at least one state
// (the others stay where the action changes nothing), and in every state
// for close() and send() (never a no-op). Each state's successors are
// computed once, for both questions and for following the step.
bool ways_from(const model::machine& m, const std::uint64_t* states, std::size_t count, model::action a,
               std::vector<model::successor_list>& ways) {
  bool some = false, every = true;
  for (std::size_t k = 0; k < count; ++k) {
    bool enabled = false;
    ways.push_back(m.steps_or_stay(model::state::unpack(states[k]), a, &enabled));
    some = some || enabled;
    every = every && enabled;
  }
  return some && (every || !never_a_no_op(a));
}

struct disagreement {
  char invariant;
  std::string what;
  bool model_itself;  // the model broke its own invariant; otherwise it allows other outcomes
};

// Follows `a` from the model states `from` (way_of(k): the ways from
// from[k]) to those whose outcomes are the implementation's `got` (odd
// payloads' texts in `odd`), into `next` (sorted, distinct); `step` is the
// schedule step it ends at, for the message.
template <class WaysOf>
std::optional<disagreement> follow(const model::machine& m, const std::vector<std::uint64_t>& from,
                                   const WaysOf& ways_of, model::action a, const word_list& got,
                                   const std::vector<std::string>& odd, std::size_t step,
                                   std::vector<std::uint64_t>& next, std::uint64_t* transitions) {
  next.clear();
  for (std::size_t k = 0; k < from.size(); ++k) {
    for (const auto& x : ways_of(k)) {
      if (transitions) ++*transitions;
      if (words(x.outcomes) != got) continue;
      if (const auto v = x.transition_violation ? x.transition_violation : m.invariants(x.next)) {
        next.clear();
        return disagreement{v->invariant, "the model itself: " + v->what, true};
      }
      next.push_back(x.next.pack());
    }
  }
  if (next.empty()) {
    std::vector<word_list> allowed;
    for (std::size_t k = 0; k < from.size(); ++k)
      for (const auto& x : ways_of(k))
        if (auto w = words(x.outcomes); std::find(allowed.begin(), allowed.end(), w) == allowed.end())
          allowed.push_back(std::move(w));
    std::string want;
    for (const auto& w : allowed) want += (want.empty() ? "" : " or ") + join(w);
    return disagreement{classify(got, allowed),
                        "at step " + std::to_string(step) + " (" + std::string(model::action_name(a)) +
                            ") the consumer saw " + join(got, odd) + "; the model allows " + want,
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

namespace {

// Everything a step check takes from the implementation, a function of
// the scenario alone (the simulation and the judge are deterministic).
struct run_result {
  bool not_applicable = false;
  std::optional<history::violation> judged;  // the judge's first verdict
  word_list got;                           // the results in the step's turn(s)
  std::size_t steps = 0;                   // schedule steps of the scenario
  std::vector<std::string> odd;            // texts of payloads none of the script's
  bool counted = false;                    // counted as simulated (explore_impl)
};

// The schedule steps of the path's last action, from `first`.
std::size_t first_of_step(const scenario::scenario& sc, model::action a) {
  return sc.schedule.size() - (model::joined(a) ? 2 : 1);
}

run_result simulate(const scenario::scenario& sc, model::action a, std::string_view impl,
                    const history::judge_options& judging) {
  run_result out;
  const auto peer = scenario::encode_peer(sc);  // the run's and the judge's
  const auto h = impls::run_in_simulation(sc, peer, impl);
  if (!h.not_applicable.empty()) {
    out.not_applicable = true;
    return out;
  }
  if (auto v = history::judge(sc, peer, h, judging); !v.empty()) {
    out.judged = std::move(v.front());
    return out;
  }
  const std::size_t first = first_of_step(sc, a);
  auto obs = observed_by_step(sc, h, first);
  out.got = observed(obs.by_step, first, sc.schedule.size());
  out.steps = sc.schedule.size();
  out.odd = std::move(obs.odd);
  return out;
}

// The check of one step from `from` (`ways`: the ways from each), given its
// run: the judge's verdict, or the model followed to what the consumer saw.
// `scenario_of()` gives the run's scenario, asked for only on a failure.
template <class ScenarioOf>
std::optional<failure> conclude(const model::machine& m, const std::vector<std::uint64_t>& from,
                                const std::vector<model::successor_list>& ways, model::action a,
                                const run_result& run, const ScenarioOf& scenario_of, std::string_view impl,
                                std::vector<std::uint64_t>& next, std::uint64_t* transitions,
                                const history::judge_options& judging) {
  next.clear();
  if (run.judged) {
    auto sc = scenario_of();
    const std::size_t length = sc.schedule.size();
    std::string what = history::describe(sc, *run.judged);
    return failure{run.judged->invariant, std::move(what), std::move(sc), length};
  }
  const auto d = follow(
      m, from, [&](std::size_t k) -> const model::successor_list& { return ways[k]; }, a, run.got, run.odd,
      run.steps, next, transitions);
  if (!d) return std::nullopt;
  auto sc = scenario_of();
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

}  // namespace

scenario::scenario step_scenario(const model::machine& m, std::uint16_t script,
                                 const std::vector<model::action>& path) {
  model::state initial;
  initial.script = script;
  auto sc = m.to_scenario(initial, path);
  std::size_t offered = 0;
  for (const auto& p : sc.schedule) {
    if (p.k == scenario::step::kind::read_frames) offered += p.n;
    if (p.k == scenario::step::kind::read_all || p.k == scenario::step::kind::read_bytes) offered = sc.peer.size();
    if (offered >= sc.peer.size()) return sc;
  }
  sc.peer.resize(offered);
  return sc;
}

namespace {

// The peer frames of script `script` as to_scenario writes them, one
// letter each: the ping, each data frame (t or c, first or continuation;
// upper case with FIN), the end (x a close frame, b a bad one).
std::string frame_letters(const model::machine& m, std::uint16_t script) {
  const model::script& sc = m.scripts()[script];
  std::string frames;
  if (sc.ping) frames += 'p';
  for (const auto f : sc.fragments)
    for (std::uint8_t j = 0; j < f; ++j) frames += static_cast<char>((j == 0 ? 't' : 'c') - (j + 1 == f ? 32 : 0));
  if (sc.end == model::script_end::close) frames += 'x';
  if (sc.end == model::script_end::bad_frame) frames += 'b';
  return frames;
}

// share_key from the script's frame letters, into `k`.
void make_share_key(std::string_view frames, const model::action* path, std::size_t length, std::string& k) {
  std::size_t offered = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const model::action a = path[i];
    if (a == model::action::read_frame || a == model::action::read_frame_and_advance) ++offered;
    if (a == model::action::read_all || a == model::action::read_all_and_eof) offered = frames.size();
  }
  offered = std::min(offered, frames.size());
  k.clear();
  k.reserve(offered + 1 + length);
  k.append(frames.substr(0, offered));
  k += '|';
  for (std::size_t i = 0; i < length; ++i) k += static_cast<char>('A' + static_cast<int>(path[i]));
}

}  // namespace

std::string share_key(const model::machine& m, std::uint16_t script, const std::vector<model::action>& path) {
  std::string k;
  make_share_key(frame_letters(m, script), path.data(), path.size(), k);
  return k;
}

std::optional<failure> check_step(const model::machine& m, const std::vector<std::uint64_t>& from,
                                  const std::vector<model::action>& path, std::string_view impl,
                                  std::vector<std::uint64_t>& next, std::uint64_t* transitions,
                                  bool* not_applicable, const history::judge_options& judging) {
  next.clear();
  const model::action a = path.back();
  std::vector<model::successor_list> ways;
  ways.reserve(from.size());
  if (!ways_from(m, from.data(), from.size(), a, ways)) return std::nullopt;
  const auto sc = step_scenario(m, model::state::unpack(from.front()).script, path);
  const auto run = simulate(sc, a, impl, judging);
  if (run.not_applicable) {
    if (not_applicable) *not_applicable = true;
    return std::nullopt;
  }
  return conclude(m, from, ways, a, run, [&] { return sc; }, impl, next, transitions, judging);
}

std::optional<failure> check_path(const model::machine& m, std::uint16_t script,
                                  const std::vector<model::action>& path_in, std::string_view impl,
                                  const history::judge_options& judging) {
  model::state initial;
  initial.script = script;
  // Keep only the actions that are enabled along the way (as the model
  // follows the whole set of states it may be in). The sets, one after
  // the other in `states` (set i from begin[i]), and the ways from each of
  // their states for the next kept action, in `ways`.
  std::vector<std::uint64_t> states{initial.pack()}, all;
  std::vector<std::size_t> begin{0};
  std::vector<model::successor_list> ways;
  std::vector<model::action> path;
  // Sets are mostly of one or two states: room for that, up front.
  states.reserve(2 * path_in.size() + 2);
  ways.reserve(2 * path_in.size() + 2);
  begin.reserve(path_in.size() + 1);
  path.reserve(path_in.size());
  for (model::action a : path_in) {
    const std::size_t b = begin.back(), e = states.size();
    // close() and send() only where every state takes them, so that they
    // are enabled wherever the implementation turns out to be.
    if (!ways_from(m, states.data() + b, e - b, a, ways)) {
      ways.resize(b);
      continue;
    }
    all.clear();
    for (std::size_t k = b; k < e; ++k)
      for (const auto& x : ways[k]) all.push_back(x.next.pack());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    begin.push_back(e);
    states.insert(states.end(), all.begin(), all.end());
    path.push_back(a);
  }
  // The scenario as the explorer runs it (without the frames never
  // offered), so that both report a counterexample in the same words.
  const auto sc = step_scenario(m, script, path);
  const auto peer = scenario::encode_peer(sc);  // the run's and the judge's
  const auto h = impls::run_in_simulation(sc, peer, impl);
  if (!h.not_applicable.empty()) return std::nullopt;
  if (const auto v = history::judge(sc, peer, h, judging); !v.empty())
    return failure{v.front().invariant, history::describe(sc, v.front()), sc, sc.schedule.size()};
  // Follow the model with exact sets (each within that step's set of all
  // states), comparing each step's results.
  const auto obs = observed_by_step(sc, h);
  std::vector<std::uint64_t> current{initial.pack()}, next;
  std::size_t step = 0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const model::action a = path[i];
    const std::size_t first = step, end = step + (model::joined(a) ? 2 : 1);
    step = end;
    const auto set_begin = states.begin() + static_cast<std::ptrdiff_t>(begin[i]);
    const auto set_end = states.begin() + static_cast<std::ptrdiff_t>(begin[i + 1]);
    const auto ways_of = [&](std::size_t k) -> const model::successor_list& {
      const auto at = std::lower_bound(set_begin, set_end, current[k]);
      LASTWORD_ASSERT(at != set_end && *at == current[k]);
      return ways[static_cast<std::size_t>(at - states.begin())];
    };
    if (const auto d = follow(m, current, ways_of, a, observed(obs.by_step, first, end), obs.odd, end, next, nullptr))
      return failure{d->invariant, d->what, sc, d->model_itself ? sc.schedule.size() : end};
    current.swap(next);
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
                    const std::function<bool()>& stop, bool share) {
  const auto start = clock_type::now();
  auto last_progress = start;
  result r;
  const int jobs = options.jobs > 0 ? options.jobs : model::hardware_jobs();
  r.jobs = jobs;
  r.lookahead = lookahead;
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
  // The paths of this level's nodes and merges, each `depth` actions in a
  // row, and their scripts, built at the level's start from the previous
  // level's rows (a node's parent, and a merge's, is of the previous level),
  // so that a task copies its path instead of walking the parents.
  struct path_table {
    std::vector<model::action> actions;
    std::vector<std::uint16_t> scripts;
    std::size_t width = 0;  // the paths' length
    const model::action* row(std::size_t k) const { return actions.data() + k * width; }
  };
  path_table prev_paths, node_paths, merge_paths;
  std::vector<std::string> script_frames(m.scripts().size());  // frame_letters, by script
  for (std::size_t i = 0; i < script_frames.size(); ++i)
    script_frames[i] = frame_letters(m, static_cast<std::uint16_t>(i));
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

  // One check: a step from a set of states along a path. Tasks of a level
  // are independent, so they run on the threads; their results are then
  // taken in the one-thread order, which makes the result the one-thread
  // result. A task names its node (or merge point) and its step; the worker
  // builds the path itself, and a level runs in chunks, so that memory holds
  // a chunk's paths and outcomes, not a whole level's (the level's runs,
  // one per distinct scenario, are kept until its end).
  //
  // Checks whose scenarios are the same (paths of scripts that differ only
  // in frames not yet offered: step_scenario) share one run: whichever of
  // them comes first in the level runs it, and every one follows the model
  // from its own states with that run's results (a run is a function of
  // its scenario, so which one ran it changes nothing). A chunk goes in two
  // phases on the threads: the scenarios' keys and the new runs, then the
  // model followed.
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
    // Between the phases: whether the step is taken, the ways from each
    // state, the path (with the script) and its scenario's key, and the
    // run it shares.
    bool taken = false;
    std::vector<model::successor_list> ways;
    std::uint16_t script = 0;
    std::vector<model::action> path;
    run_result* run = nullptr;
    run_result own;  // the run, when runs are not shared
  };
  // This level's runs, one per distinct scenario, by key, in shards that
  // the threads lock one at a time (a map's nodes stay where they are).
  struct shard {
    std::mutex lock;
    std::unordered_map<std::string, run_result> runs;
  };
  constexpr std::size_t shard_count = 64;
  std::vector<shard> level_runs(shard_count);
  std::atomic<std::uint64_t> level_run_bytes{0};
  auto clear_level = [&] {
    for (auto& s : level_runs) s.runs = {};
    level_run_bytes = 0;
  };
  std::size_t node_base = 0, prev_base = 0;  // the first node of this level's rows, of the previous level's
  auto prepare = [&](const task& t, outcome& o) {
    const node& n = t.merge ? merges[t.index] : nodes[t.index];
    o.ways.reserve(n.states.size());
    o.taken = ways_from(m, n.states.data(), n.states.size(), t.step, o.ways);
    if (!o.taken) return;
    const path_table& table = t.merge ? merge_paths : node_paths;
    const std::size_t row = t.merge ? t.index : t.index - node_base;
    o.script = table.scripts[row];
    o.path.reserve(table.width + 1);
    o.path.assign(table.row(row), table.row(row) + table.width);
    o.path.push_back(t.step);
    if (!share) {
      o.own = simulate(step_scenario(m, o.script, o.path), t.step, impl, judging);
      o.run = &o.own;
      return;
    }
    std::string key;
    make_share_key(script_frames[o.script], o.path.data(), o.path.size(), key);
    // The hash's top bits (after a multiply that mixes all of them) pick
    // the shard; the map uses its low bits.
    const std::uint64_t h = std::hash<std::string>{}(key);
    shard& sh = level_runs[(h * 0x9E3779B97F4A7C15u) >> 58];
    static_assert(shard_count == 64);
    bool added = false;
    {
      const std::lock_guard held(sh.lock);
      const auto at = sh.runs.try_emplace(std::move(key));
      added = at.second;
      o.run = &at.first->second;
      if (added) level_run_bytes += at.first->first.capacity() + sizeof(*at.first) + 4 * sizeof(void*);
    }
    // Read only in the next phase, once every run of the chunk is done.
    if (added) {
      *o.run = simulate(step_scenario(m, o.script, o.path), t.step, impl, judging);
    }
  };
  auto conclude_one = [&](const task& t, outcome& o) {
    if (!o.taken) return;
    const node& n = t.merge ? merges[t.index] : nodes[t.index];
    const run_result& run = *o.run;
    if (run.not_applicable) {
      o.skipped = true;
    } else {
      o.f = conclude(m, n.states, o.ways, t.step, run, [&] { return step_scenario(m, o.script, o.path); }, impl,
                     o.next, &o.transitions, judging);
    }
    o.ways = {};
    o.path = {};
    o.own = {};
  };
  auto parallel = [&](std::size_t count, const auto& fn) {
    std::atomic<std::size_t> next_task{0};
    // Tasks are dealt in blocks, so that threads do not write to the same
    // cache lines of the outcomes.
    constexpr std::size_t block = 16;
    auto work = [&] {
      for (;;) {
        const std::size_t b = next_task.fetch_add(block);
        if (b >= count) return;
        for (std::size_t k = b; k < std::min(count, b + block); ++k) fn(k);
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < jobs && static_cast<std::size_t>(t) < count; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
  };
  constexpr std::size_t chunk = 8192;
  std::vector<outcome> outs;
  auto run_tasks = [&](const task* tasks, std::size_t count) {
    outs.clear();
    outs.resize(count);
    parallel(count, [&](std::size_t k) { prepare(tasks[k], outs[k]); });
    parallel(count, [&](std::size_t k) { conclude_one(tasks[k], outs[k]); });
  };

  std::size_t level_begin = 0;
  int depth = 0;
  std::vector<task> tasks;
  for (; depth < m.bounds().depth && (level_begin < nodes.size() || !merges.empty()); ++depth) {
    const std::size_t level_end = nodes.size();
    // The rows of this level's nodes and merges from the previous level's
    // (whose nodes begin at prev_base).
    auto fill = [&](path_table& table, std::size_t count, const auto& node_of) {
      table.width = static_cast<std::size_t>(depth);
      table.actions.resize(count * table.width);
      table.scripts.resize(count);
      for (std::size_t k = 0; k < count; ++k) {
        const node& n = node_of(k);
        model::action* out = table.actions.data() + k * table.width;
        if (depth == 0) {
          table.scripts[k] = model::state::unpack(n.states.front()).script;
          continue;
        }
        const std::size_t parent = n.parent - prev_base;
        std::copy(prev_paths.row(parent), prev_paths.row(parent) + prev_paths.width, out);
        out[table.width - 1] = n.via;
        table.scripts[k] = prev_paths.scripts[parent];
      }
    };
    node_base = level_begin;
    fill(node_paths, level_end - level_begin, [&](std::size_t k) -> const node& { return nodes[level_begin + k]; });
    fill(merge_paths, merges.size(), [&](std::size_t k) -> const node& { return merges[k]; });
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
      std::uint64_t table_bytes = 0;
      for (const path_table* p : {&prev_paths, &node_paths, &merge_paths})
        table_bytes += p->actions.capacity() * sizeof(model::action) + p->scripts.capacity() * sizeof(std::uint16_t);
      work_bytes = std::max<std::uint64_t>(work_bytes, tasks.capacity() * sizeof(task) +
                                                           outs.capacity() * sizeof(outcome) + level_run_bytes +
                                                           table_bytes);
      for (std::size_t k = 0; k < count; ++k) {
        auto& o = outs[k];
        const task& t = tasks[c + k];
        r.transitions += o.transitions;
        if (o.skipped) ++r.not_applicable;
        // A run counts where it was judged (not where it was not
        // applicable), and as simulated at the first step in the level's
        // order that has it (whichever thread made it); the counts stop
        // with the counterexample, as the search does.
        if (!o.next.empty() || o.f) {
          ++r.runs;
          if (!o.run->counted) {
            o.run->counted = true;
            ++r.simulated;
          }
        }
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
        ++r.merges;
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
    std::swap(prev_paths, node_paths);
    prev_base = level_begin;
    // A scenario's path has the length of its level: no later level has
    // the same scenario.
    clear_level();
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
