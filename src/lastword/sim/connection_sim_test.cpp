// The reference connection in the simulation, one SPEC invariant at a time.
// Each case is a scenario; the test checks the exact results the consumer
// saw and that the judge finds no violation.
#include <gtest/gtest.h>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"

namespace lastword::sim {
namespace {

struct sim_case {
  const char* name;
  const char* text;
  std::vector<std::string> results;  // "#call kind detail", in order
};

std::string show(const history::event& e) {
  const auto& r = e.result;
  std::string s = "#" + std::to_string(e.call) + " " + std::string(history::kind_name(r.k));
  switch (r.k) {
    case history::call_result::kind::message:
      if (!r.data.empty()) s += (r.text ? " text " : " binary ") + r.data;
      break;
    case history::call_result::kind::fragment: s += " " + r.data + (r.fin ? " (fin)" : ""); break;
    case history::call_result::kind::closed:
      s += " " + std::to_string(r.code) + (r.reason.empty() ? "" : " " + r.reason) +
           (r.handshake_completed ? " handshake" : "") + (r.normal ? " normal" : " error");
      break;
    default: break;
  }
  return s;
}

class ConnectionSim : public ::testing::TestWithParam<sim_case> {};

TEST_P(ConnectionSim, ResultsAreExactAndTheJudgeFindsNothing) {
  const sim_case& c = GetParam();
  auto parsed = scenario::parse(c.text);
  ASSERT_TRUE(std::holds_alternative<scenario::scenario>(parsed)) << std::get<scenario::parse_error>(parsed).to_string();
  const auto& s = std::get<scenario::scenario>(parsed);
  const auto h = impls::run_in_simulation(s, "reference");
  std::vector<std::string> results;
  for (const auto& e : h.events)
    if (e.k == history::event::kind::result) results.push_back(show(e));
  EXPECT_EQ(results, c.results) << history::timeline(s, h);
  for (const auto& v : history::judge(s, h)) ADD_FAILURE() << history::describe(s, v) << "\n" << history::timeline(s, h);
}

const sim_case cases[] = {
    // D: whatever the split and whenever recv() is called.
    {"D_OneByteReads", "peer text \"ab\"\npeer close 1000\nread 1\nread 1\nread 1\nread 1\nread 1\nread 1\nread 1\nread 1\nrecv\nrecv\n",
     {"#1 message text ab", "#2 closed 1000 handshake normal"}},
    {"D_RecvBeforeArrival", "peer text \"early\"\npeer close 1001\nrecv\nread all\neof\nrecv\n",
     {"#1 message text early", "#2 closed 1001 handshake normal"}},
    {"D_RecvDuringArrival", "peer binary \"xyz\" more\npeer continuation \"!\"\npeer close\nread 3\nrecv\nread all\nrecv\n",
     {"#1 message binary xyz!", "#2 closed 1005 handshake normal"}},
    {"D_EverythingInOneReadWithEof", "peer text \"a\"\npeer text \"b\"\npeer close 1000\nread all; eof\nrecv\nrecv\nrecv\n",
     {"#1 message text a", "#2 message text b", "#3 closed 1000 handshake normal"}},
    {"D_EofWithoutCloseFrame", "peer text \"kept\"\nread all\neof\nrecv\nrecv\n",
     {"#1 message text kept", "#2 closed 1006 error"}},
    {"D_ResetAfterRead", "peer text \"kept\"\nread all\nreset\nrecv\nrecv\n", {"#1 message text kept", "#2 closed 1006 error"}},
    {"D_ProtocolErrorAfterMessages", "peer text \"ok\"\npeer raw hex:8300\nread all\nrecv\nrecv\n",
     {"#1 message text ok", "#2 closed 1002 error"}},
    {"D_InvalidUtf8", "peer text \"ok\"\npeer text hex:c328\nread all\nrecv\nrecv\n", {"#1 message text ok", "#2 closed 1007 error"}},
    {"D_MessageTooBig", "option max-size 8\npeer text \"small\"\npeer text \"much too large\"\nread all\nrecv\nrecv\n",
     {"#1 message text small", "#2 closed 1009 error"}},
    {"D_DataInClosingIsDelivered", "peer text \"late\"\npeer close 1000\nclose 1000\nread all\neof\nrecv\nrecv\n",
     {"#1 closed 1000 handshake normal", "#2 message text late", "#3 closed 1000 handshake normal"}},
    {"D_FramesAfterCloseAreNotReceived", "peer close 1000\npeer text \"after\"\nread all\nrecv\n",
     {"#1 closed 1000 handshake normal"}},
    // P: a partial message is never returned whole.
    {"P_PartialMessageAtEof", "peer text \"par\" more\npeer continuation \"tial\" more\nread all\neof\nrecv\n",
     {"#1 closed 1006 error"}},
    {"P_StreamingYieldsFragmentsThenCloses", "peer text \"par\" more\npeer continuation \"tial\" more\nread all\neof\nrecv-streaming\n",
     {"#1 fragment par", "#1 fragment tial", "#1 closed 1006 error"}},
    {"P_StreamingCompleteMessage", "peer text \"a\" more\npeer continuation \"b\"\nrecv-streaming\nread frames 1\nread frames 1\n",
     {"#1 fragment a", "#1 fragment b (fin)", "#1 message"}},
    // X: cancellation and timeouts lose nothing.
    {"X_CancelledRecvThenNextGetsTheMessage", "peer text \"m\"\nrecv\ncancel\nread all\nrecv\n",
     {"#1 cancelled", "#2 message text m"}},
    {"X_CancelledStreamGivesFragmentsBack", "peer text \"a\" more\npeer continuation \"b\"\nrecv-streaming\nread frames 1\ncancel\nread all\nrecv\n",
     {"#1 fragment a", "#1 cancelled", "#2 message text ab"}},
    {"X_TimedOutRecvThenNextGetsTheMessage", "peer text \"m\"\nrecv timeout 50\nadvance 60\nread all\nrecv\n",
     {"#1 timeout", "#2 message text m"}},
    // T: zero timeout.
    {"T_ZeroTimeoutWithNothingQueued", "recv timeout 0\n", {"#1 timeout"}},
    {"T_ZeroTimeoutWithAFragmentedMessageQueued", "peer text \"a\" more\npeer continuation \"b\"\nread all\nrecv timeout 0\n",
     {"#1 message text ab"}},
    {"T_ZeroTimeoutWithOnlyAPartialMessage", "peer text \"a\" more\nread all\nrecv timeout 0\n", {"#1 timeout"}},
    // K: one consumer.
    {"K_SecondRecvFailsAtOnce", "peer text \"m\"\nrecv\nrecv\nread all\n", {"#2 busy", "#1 message text m"}},
    {"K_StreamingAndRecv", "peer text \"m\"\nrecv-streaming\nrecv\nread all\n", {"#2 busy", "#1 fragment m (fin)", "#1 message"}},
    // F: flow control.
    {"F_PausesAboveHighResumesAtLow",
     "option high 2\noption low 1\npeer text \"1\"\npeer text \"2\"\npeer text \"3\"\npeer text \"4\"\npeer close 1000\n"
     "read frames 3\nread all\nrecv\nrecv\nrecv\nrecv\nrecv\n",
     {"#1 message text 1", "#2 message text 2", "#3 message text 3", "#4 message text 4", "#5 closed 1000 handshake normal"}},
    {"F_HighZero", "option high 0\noption low 0\npeer text \"1\"\npeer text \"2\"\nread frames 1\nread all\nrecv\nrecv\n",
     {"#1 message text 1", "#2 message text 2"}},
    // L: nothing waits forever.
    {"L_PendingRecvWakesAtEof", "recv\neof\n", {"#1 closed 1006 error"}},
    {"L_CloseWithSilentPeerReturnsAfterTimeout", "option close-timeout 100\nclose 1000\n", {"#1 closed 1006 error"}},
    {"L_CloseWhilePausedReturns",
     "option high 1\noption low 0\noption close-timeout 100\npeer text \"1\"\npeer text \"2\"\npeer close 1000\n"
     "read frames 2\nread all\nclose 1000\nadvance 200\nrecv\nrecv\nrecv\n",
     {"#1 closed 1006 error", "#2 message text 1", "#3 message text 2", "#4 closed 1006 error"}},
    // W and C: wire conduct and close status.
    {"W_PingAnsweredAndCloseEchoed", "peer ping \"p\"\npeer close 4000 \"app\"\nread all\neof\nrecv\n",
     {"#1 closed 4000 app handshake error"}},
    {"W_ServerClosesTcpAfterHandshake", "role server\npeer text \"hi\"\npeer close 1000\nread all\nrecv\nrecv\n",
     {"#1 message text hi", "#2 closed 1000 handshake normal"}},
    {"C_GoingAwayIsNormal", "peer close 1001\nread all\neof\nrecv\n", {"#1 closed 1001 handshake normal"}},
};

INSTANTIATE_TEST_SUITE_P(Spec, ConnectionSim, ::testing::ValuesIn(cases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lastword::sim
