// `beast` in the registry: Boost.Beast's websocket stream over the simulated
// transport. The adapter passes where Beast keeps the contract, reports
// what it cannot express as not applicable, and the findings in the README
// are reproduced here one scenario each.
#include <gtest/gtest.h>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::impls {
namespace {

scenario::scenario parse(std::string_view text) {
  auto r = scenario::parse(text);
  if (auto* e = std::get_if<scenario::parse_error>(&r)) ADD_FAILURE() << e->to_string();
  return std::get<scenario::scenario>(r);
}

// The invariants violated, in order, or "n/a: why".
// The invariants violated, in history order, with `waived` set aside.
std::string verdict(std::string_view text, std::string waived = {}) {
  const auto s = parse(text);
  const auto h = run_in_simulation(s, "beast");
  if (!h.not_applicable.empty()) return "n/a: " + h.not_applicable;
  std::string out;
  for (const auto& v : history::judge(s, h, {std::move(waived)})) out += v.invariant;
  return out;
}

TEST(Beast, ClientReadingAheadOfTheDataKeepsTheContract) {
  EXPECT_EQ(verdict("role client\npeer text \"hi\"\npeer close 1000 \"bye\"\nrecv\nread all\nrecv\neof\n"), "");
}

TEST(Beast, ServerHandshakeAndClosingHandshake) {
  EXPECT_EQ(verdict("role server\npeer text \"hi\"\npeer binary \"x\"\npeer close 1000 \"bye\"\n"
                    "recv\nread all\nrecv\nrecv\neof\nrecv\n"),
            "");
}

TEST(Beast, ProtocolErrorIsReportedWithTheCodeBeastSent) {
  EXPECT_EQ(verdict("role server\npeer text \"a\"\npeer raw \"\\x83\\x00\"\nrecv\nread all\nrecv\neof\n"), "");
}

TEST(Beast, StepsOutsideItsVocabularyAreNotApplicable) {
  EXPECT_EQ(verdict("role client\npeer text \"a\"\nread all\nrecv timeout 0\n"),
            "n/a: beast cannot express step 2: recv() with a timeout");
  EXPECT_EQ(verdict("role client\npeer text \"a\"\nrecv\ncancel\n"),
            "n/a: beast cannot express step 2: cancelling a pending recv()");
  EXPECT_EQ(verdict("role client\npeer text \"a\"\nrecv-streaming\n"),
            "n/a: beast cannot express step 1: recv_streaming()");
  // Found only as the run goes: a second read while one is pending.
  EXPECT_EQ(verdict("role client\npeer text \"hi\"\nrecv\nrecv\nread all\n"),
            "n/a: beast cannot express a second concurrent recv() (Beast allows one read at a time)");
}

// Finding 1 (F): Beast reads from the transport only while a read is
// pending, so bytes offered with no recv() pending stay unread.
TEST(Beast, ReadsOnlyOnDemand) {
  EXPECT_EQ(verdict("role client\npeer text \"hi\"\nread all\nrecv\n"), "F");
}

// Finding 2 (D): close() reads and discards the data frames that arrive
// before the peer's close frame, also when a recv() was pending before it.
TEST(Beast, CloseDiscardsMessagesInFlight) {
  EXPECT_EQ(verdict("role client\npeer text \"in flight\"\npeer close 1000\n"
                    "close 1000\nread all\neof\nrecv\n",
                    "F"),
            "D");
  EXPECT_EQ(verdict("role client\npeer text \"one\"\npeer text \"two\"\npeer close 1000\n"
                    "recv\nclose 1000\nread all\neof\nrecv\n",
                    "F"),
            "D");
}

// Finding 3 (L): with Beast's default options (no timeouts), a client that
// received and echoed the close frame waits in its TCP teardown for the
// server's EOF, and recv() does not return while it waits.
TEST(Beast, ClientWaitsForTheServersEofWithoutTimeout) {
  EXPECT_EQ(verdict("role client\npeer close 1000\nread all\nrecv\n", "F"), "L");
}

// Finding 6 (W, C): async_close sends any code it is given, also one that
// may not be sent on the wire (here 10), where lastword refuses the call.
TEST(Beast, CloseSendsACodeThatMayNotBeSent) {
  EXPECT_EQ(verdict("role client\npeer close 1000\nclose 10\nread all\neof\n", "FD"), "WC");
}

TEST(Beast, RunsAreDeterministic) {
  const auto s = parse("role client\npeer text \"a\"\npeer text \"b\"\npeer close 1000\nrecv\nread frames 1\n"
                       "recv\nread all\nrecv\neof\n");
  EXPECT_EQ(history::timeline(s, run_in_simulation(s, "beast")), history::timeline(s, run_in_simulation(s, "beast")));
}

}  // namespace
}  // namespace lastword::impls
