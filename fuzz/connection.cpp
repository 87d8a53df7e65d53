// Fuzz target: the connection, in the simulation, judged by the SPEC.
//
// The input bytes are a scenario (scenario::from_bytes: options, the peer's
// messages and how its script ends, then the schedule), so every input is
// meaningful; an input that is a scenario file is that scenario (the
// regression scenarios are in the seed corpus as they are). The implementation runs it in the deterministic simulation;
// the judge checks every invariant on the history. A violation prints the
// scenario and aborts.
//
// LASTWORD_IMPL=NAME runs a registered implementation other than the
// reference (`lastword list`), e.g. to show that the target finds a
// regression variant.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"
#include "impl_env.hpp"
#include "report.hpp"

namespace {
std::string g_impl = "reference";
std::size_t g_runs = 0, g_not_applicable = 0;
lastword::history::judge_options g_options;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  lastword::fuzz::remember_command_line(argc, argv);
  g_impl = lastword::fuzz::impl_from_env("connection", lastword::impls::form::connection).name;
  g_options = lastword::fuzz::judge_options_from_env("connection");
  // Runs the implementation could not express are neither passes nor
  // failures: say how many there were.
  std::atexit([] {
    if (g_not_applicable > 0)
      std::fprintf(stderr, "connection: %zu of %zu runs not applicable to %s\n", g_not_applicable, g_runs,
                   g_impl.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Inputs decode in the implementation's vocabulary (`lastword replay
  // --bytes --impl NAME` does the same).
  const auto s = lastword::impls::scenario_from_bytes({data, size}, g_impl);
  const auto peer = lastword::scenario::encode_peer(s);  // the run's and the judge's
  const auto h = lastword::impls::run_in_simulation(s, peer, g_impl);
  ++g_runs;
  if (!h.not_applicable.empty()) {
    ++g_not_applicable;
    return 0;
  }
  const auto violations = lastword::history::judge(s, peer, h, g_options);
  if (violations.empty()) return 0;
  std::string letters, what;
  for (const auto& v : violations) {
    if (letters.find(v.invariant) == std::string::npos) letters += v.invariant;
    what += (what.empty() ? "" : "; ") + lastword::history::describe(s, v);
  }
  lastword::fuzz::report_violation("connection", g_impl, letters, what, data, size);
  std::fprintf(stderr, "connection: violation by %s:\n", g_impl.c_str());
  for (const auto& v : violations) std::fprintf(stderr, "  %s\n", lastword::history::describe(s, v).c_str());
  std::fprintf(stderr, "--- scenario ---\n%s--- end ---\n", lastword::scenario::print(s).c_str());
  std::fprintf(stderr, "reproduce: lastword replay --bytes CRASH_FILE --impl %s\n", g_impl.c_str());
  std::abort();
}

// Structure-aware mutation. An input is the options and the peer script
// (header), then the schedule's choices, about two bytes a step. Besides
// libFuzzer's own byte mutations, it inserts, deletes, duplicates and swaps
// whole steps, inserts the consumer's sends (with close() in their turn
// half the time), and mutates the header alone, so that most mutants keep a
// meaningful script and schedule.
// Provided by libFuzzer; weak so that the corpus replayer links without it
// (it never mutates).
extern "C" __attribute__((weak)) std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size,
                                                            std::size_t max_size);

namespace {

std::size_t schedule_offset(const std::uint8_t* data, std::size_t size) {
  return lastword::scenario::schedule_offset({data, size});
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                              unsigned int seed) {
  std::minstd_rand rng(seed);
  const std::size_t head = schedule_offset(data, size);
  const std::size_t tail = size - head;
  constexpr std::size_t step = 2;
  switch (rng() % 7) {
    case 0:  // insert a random step
      if (size + step <= max_size) {
        const std::size_t at = head + (tail ? (rng() % (tail + 1)) : 0);
        std::memmove(data + at + step, data + at, size - at);
        for (std::size_t i = 0; i < step; ++i) data[at + i] = static_cast<std::uint8_t>(rng());
        return size + step;
      }
      break;
    case 1:  // delete a step
      if (tail >= step) {
        const std::size_t at = head + rng() % (tail - step + 1);
        std::memmove(data + at, data + at + step, size - at - step);
        return size - step;
      }
      break;
    case 2:  // duplicate a step
      if (tail >= step && size + step <= max_size) {
        const std::size_t at = head + rng() % (tail - step + 1);
        std::memmove(data + at + step, data + at, size - at);
        return size + step;
      }
      break;
    case 3:  // swap two steps
      if (tail >= 2 * step) {
        const std::size_t a = head + rng() % (tail - step + 1), b = head + rng() % (tail - step + 1);
        for (std::size_t i = 0; i < step && a + i < size && b + i < size; ++i) std::swap(data[a + i], data[b + i]);
        return size;
      }
      break;
    case 4:  // mutate the header only (options and the peer's script)
      if (head > 0) {
        std::uint8_t saved[256];
        const std::size_t keep = std::min<std::size_t>(tail, sizeof saved);
        std::memcpy(saved, data + head, keep);
        const std::size_t new_head = LLVMFuzzerMutate(data, head, std::max(head, max_size - keep));
        std::memcpy(data + new_head, saved, keep);
        return new_head + keep;
      }
      break;
    case 5:  // insert the consumer's sends (a choice of 15 in from_bytes), often with close() in their turn
      if (size + 5 <= max_size) {
        const std::size_t at = head + (tail ? (rng() % (tail + 1)) : 0);
        std::memmove(data + at + 5, data + at, size - at);
        data[at] = 15;
        for (std::size_t i = 1; i < 5; ++i) data[at + i] = static_cast<std::uint8_t>(rng());
        return size + 5;
      }
      break;
    default:
      break;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

// Cross-over: the header and script of one input with the schedule of the
// other, so schedules are tried on other scripts.
extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1,
                                                const std::uint8_t* data2, std::size_t size2, std::uint8_t* out,
                                                std::size_t max_out_size, unsigned int seed) {
  const std::size_t head1 = schedule_offset(data1, size1);
  const std::size_t head2 = schedule_offset(data2, size2);
  std::size_t n = std::min(head1, max_out_size);
  std::memcpy(out, data1, n);
  const std::size_t rest = std::min(size2 - head2, max_out_size - n);
  std::memcpy(out + n, data2 + head2, rest);
  (void)seed;
  return n + rest;
}
