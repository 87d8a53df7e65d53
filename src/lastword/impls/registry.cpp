#include "lastword/impls/registry.hpp"

#include "lastword/sim/connection_target.hpp"
#include "lastword/wire/assert.hpp"

namespace lastword::impls {

sim::target_factory variant_factory(std::string_view name);  // variants.cpp
sim::target_factory beast_factory();                         // beast.cpp

const std::vector<implementation>& all_implementations() {
  static const std::vector<implementation> all{
      {"reference", "lastword", "-", "-", "lastword's own stack: every SPEC invariant by construction", 0},
      {"ws14-closed-before-drain", "python-websockets (asyncio, threading)", "13.0-14.0, fixed in 14.1", "issue 1538",
       "recv() asks whether the connection is closed before it looks at the queue", 'D'},
      {"ws14-abort-clears-queue", "python-websockets", "14.0, fixed in 14.1", "\"Keep queued messages after abort\"",
       "losing the connection without a close frame (1006) empties the queue", 'D'},
      {"ws14-timeout-zero", "python-websockets (threading)", "14.0-14.1, fixed in 14.2", "issue 1552",
       "recv(timeout=0) checks the deadline before the queue", 'T'},
      {"ws14-close-while-paused", "python-websockets", "13.0-14.1, fixed in 14.2", "issue 1555",
       "with reading paused by flow control, close() waits for the peer's close frame without a timeout", 'L'},
      {"legacy-cancel-after-dequeue", "python-websockets", "up to 6.x, fixed in 7.0", "issues 470, 486",
       "the message leaves the queue a turn before recv() returns; a timeout in that turn loses it", 'X'},
      {"nodews-close-before-message", "node ws", "up to 1.1.x, fixed in 2.0.0", "issues 710, 799, 923",
       "delivery is deferred; when the socket ends first the pending message and close frame are dropped (1006)", 'D'},
      {"trio-close-and-fin-together", "trio-websocket", "up to 0.10.3, fixed in 0.10.4", "changelog 0.10.4",
       "close frame and FIN in the same read: the reader exits without ending the message channel", 'L'},
      {"tungstenite-closing-drops-data", "tungstenite-rs", "up to 0.9.1, fixed in 0.9.2", "changelog 0.9.2",
       "after close(), data frames the peer sent before seeing our close frame are discarded", 'D'},
      {"nodews-deflate-close-before-inflate", "node ws with permessage-deflate", "1.1.1; 8.x delivers",
       "lastword blackbox: burst-deflate, 0 of 3 delivered, 1006",
       "with compression in use, delivery waits two turns for inflation; when the transport ends first the waiting "
       "messages and close frame are dropped (1006)",
       'D', {}, true, "the formal model has no permessage-deflate"},
      {"beast", "Boost.Beast websocket::stream (Boost 1.81)", "1.81 (this machine's)", "-",
       "not a variant: Beast's own stream over the simulated transport; recv() is one async_read, close() is "
       "async_close; no per-call timeouts, streaming reads or non-destructive cancellation",
       0, scenario::vocabulary{false, false, false}, false},
      // Planted send-side variants (SPEC S): lastword's own designs of the
      // class, not copies of one library's code.
      {"close-overtakes-compressing-send", "planted (lastword): the S class of SPEC", "-",
       "SPEC S: a close frame overtakes a message still being compressed",
       "send() compresses its frame in a later turn before it joins the write order; a close() called meanwhile "
       "writes the close frame first and the message is never written",
       'S', {}, true, "the formal model has no send() action"},
      {"close-overtakes-locked-send", "planted (lastword): the S class of SPEC", "-",
       "SPEC S: a write lock taken lazily",
       "while a write is in progress, send() waits for the write lock before its frame joins the write order; "
       "close() writes without the lock and jumps the queue",
       'S', {}, true, "the formal model has no send() action"},
      {"close-returns-before-drain", "planted (lastword): the S class of SPEC", "-",
       "SPEC S: a write buffer drained after close() returned",
       "close() returns once reading ended, while frames sent before it still wait in the write buffer",
       'S', {}, true, "the formal model has no send() action"},
      // Planted liveness variants (SPEC L): a recv() that wakes late.
      {"recv-wakes-at-drop", "planted (lastword): L promptness", "-",
       "SPEC L: a recv() waiting when the input ends wakes up",
       "the peer's close frame does not wake a waiting recv(); it wakes when the close timeout drops the transport",
       'L'},
      {"recv-waits-for-close-echo", "planted (lastword): L promptness with stalled writes", "-",
       "SPEC L: a recv() waiting when the input ends wakes up",
       "ConnectionClosed waits until the close echo was written; with writes stalled, recv() wakes only when the "
       "close timeout drops the transport",
       'L', {}, true, "the formal model has no stall-writes action"},
  };
  return all;
}

const std::vector<implementation>& implementations() {
  static const std::vector<implementation> expressible = [] {
    std::vector<implementation> out;
    for (const auto& i : all_implementations())
      if (i.beyond_model.empty()) out.push_back(i);
    return out;
  }();
  return expressible;
}

const implementation* find_implementation(std::string_view name) {
  for (const auto& i : all_implementations())
    if (i.name == name) return &i;
  return nullptr;
}

std::string not_applicable(const scenario::scenario& s, std::string_view name) {
  const implementation* i = find_implementation(name);
  LASTWORD_ASSERT(i);
  const std::string outside = i->vocab.outside(s);
  return outside.empty() ? outside : std::string(name) + " cannot express " + outside;
}

history::history run_in_simulation(const scenario::scenario& s, std::string_view name) {
  LASTWORD_ASSERT(find_implementation(name));
  if (std::string why = not_applicable(s, name); !why.empty()) {
    history::history h;
    h.impl = std::string(name);
    h.not_applicable = std::move(why);
    return h;
  }
  sim::target_factory make = name == "beast"       ? beast_factory()
                             : name == "reference" ? sim::target_factory([](boost::asio::io_context& ioc,
                                                                          const scenario::scenario& sc) {
    return std::unique_ptr<sim::target>(std::make_unique<sim::connection_target<sim::sim_connection>>(ioc, sc));
  })
                                                 : variant_factory(name);
  LASTWORD_ASSERT(static_cast<bool>(make));
  return sim::run(s, make, std::string(name));
}

std::optional<std::vector<history::violation>> run_and_judge(const scenario::scenario& s, std::string_view name) {
  const history::history h = run_in_simulation(s, name);
  if (!h.not_applicable.empty()) return std::nullopt;
  return history::judge(s, h);
}

std::optional<std::vector<history::violation>> run_and_judge(const scenario::scenario& s, std::string_view name,
                                                             const history::judge_options& o) {
  const history::history h = run_in_simulation(s, name);
  if (!h.not_applicable.empty()) return std::nullopt;
  return history::judge(s, h, o);
}

scenario::scenario scenario_from_bytes(std::span<const std::uint8_t> bytes, std::string_view name,
                                       std::size_t* schedule_offset) {
  const implementation* i = find_implementation(name);
  LASTWORD_ASSERT(i);
  // A scenario file (it starts with a comment line and parses whole) is
  // that scenario: the regression scenarios seed the fuzz corpus as they are.
  if (!bytes.empty() && bytes[0] == '#') {
    auto parsed = scenario::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (auto* s = std::get_if<scenario::scenario>(&parsed)) {
      if (schedule_offset) *schedule_offset = 0;
      return std::move(*s);
    }
  }
  return scenario::from_bytes(bytes, schedule_offset, i->vocab);
}

}  // namespace lastword::impls
