// The judge on hand-written histories: each rule added for S, L promptness
// and C on every ConnectionClosed fails a history that breaks it, and
// passes the same history without the break.
#include "lastword/history/judge.hpp"

#include <gtest/gtest.h>

namespace lastword::history {
namespace {

scenario::scenario parsed(std::string_view text) {
  auto r = scenario::parse(text);
  EXPECT_TRUE(std::holds_alternative<scenario::scenario>(r));
  return std::get<scenario::scenario>(r);
}

// Builds a history event by event.
struct builder {
  history h;
  event& push(event::kind k, std::size_t step, std::uint64_t t = 0) {
    event e;
    e.k = k;
    e.step = step;
    e.time_ms = t;
    h.events.push_back(e);
    return h.events.back();
  }
  void call(std::size_t id, call_kind what, std::size_t step) {
    auto& e = push(event::kind::call, step);
    e.call = id;
    e.what = what;
  }
  void result(std::size_t id, call_result r, std::size_t step, std::uint64_t t = 0) {
    auto& e = push(event::kind::result, step, t);
    e.call = id;
    e.result = std::move(r);
  }
  void wrote(wire::opcode op, std::string payload, std::size_t step, bool fin = true) {
    auto& e = push(event::kind::wrote, step);
    e.frame.op = op;
    e.frame.fin = fin;
    e.frame.payload = std::move(payload);
  }
  void read(std::size_t offset, std::size_t n, std::size_t step, std::uint64_t t = 0) {
    auto& e = push(event::kind::read, step, t);
    e.offset = offset;
    e.bytes = n;
  }
  void steps(std::size_t n) { h.steps.assign(n + 1, step_end{}); }
};

call_result of(call_result::kind k) {
  call_result r;
  r.k = k;
  return r;
}

call_result closed(std::uint16_t code, bool handshake, bool normal, std::string reason = {}) {
  call_result r;
  r.k = call_result::kind::closed;
  r.code = code;
  r.handshake_completed = handshake;
  r.normal = normal;
  r.reason = std::move(reason);
  return r;
}

std::string letters_of(const std::vector<violation>& v) {
  std::string s;
  for (const auto& x : v) s += x.invariant;
  return s;
}

const std::string close_1000("\x03\xe8", 2);

// send "a"; close; the peer never answers (no input at all).
const char* const send_then_close = "role client\nsend text \"a\"\nclose 1000\n";

TEST(JudgeSend, MessageWrittenBeforeOurCloseFrameHolds) {
  const auto s = parsed(send_then_close);
  builder b;
  b.steps(2);
  b.call(1, call_kind::send, 0);
  b.wrote(wire::opcode::text, "a", 0);
  b.result(1, of(call_result::kind::sent), 0);
  b.call(2, call_kind::close, 1);
  b.wrote(wire::opcode::close, close_1000, 1);
  b.push(event::kind::transport_closed, 2, 1000);
  b.result(2, closed(1006, false, false), 2, 1000);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "");
}

TEST(JudgeSend, CloseFrameOvertakingTheMessageFailsS) {
  const auto s = parsed(send_then_close);
  builder b;
  b.steps(2);
  b.call(1, call_kind::send, 0);
  b.call(2, call_kind::close, 1);
  b.wrote(wire::opcode::close, close_1000, 1);
  b.wrote(wire::opcode::text, "a", 1);  // after our close frame: W as well
  b.result(1, of(call_result::kind::sent), 1);
  b.push(event::kind::transport_closed, 2, 1000);
  b.result(2, closed(1006, false, false), 2, 1000);
  const auto v = judge(s, b.h, {});
  EXPECT_NE(letters_of(v).find('S'), std::string::npos) << letters_of(v);
}

TEST(JudgeSend, MessageWrittenTwiceFailsS) {
  const auto s = parsed("role client\nsend text \"a\"\n");
  builder b;
  b.steps(1);
  b.call(1, call_kind::send, 0);
  b.wrote(wire::opcode::text, "a", 0);
  b.wrote(wire::opcode::text, "a", 0);
  b.result(1, of(call_result::kind::sent), 0);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "S");
}

TEST(JudgeSend, SendAfterCloseReportedSentFailsS) {
  const auto s = parsed("role client\nclose 1000\nsend text \"late\"\n");
  builder b;
  b.steps(2);
  b.call(1, call_kind::close, 0);
  b.wrote(wire::opcode::close, close_1000, 0);
  b.call(2, call_kind::send, 1);
  b.result(2, of(call_result::kind::sent), 1);
  b.push(event::kind::transport_closed, 2, 1000);
  b.result(1, closed(1006, false, false), 2, 1000);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "S");
}

TEST(JudgeSend, SentReportedBeforeTheFrameWasWrittenFailsS) {
  const auto s = parsed("role client\nsend text \"a\"\nrelease-writes\n");
  builder b;
  b.steps(2);
  b.call(1, call_kind::send, 0);
  b.result(1, of(call_result::kind::sent), 0);
  b.wrote(wire::opcode::text, "a", 1);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "S");
}

TEST(JudgeSend, SendFailingWhileOpenFailsS) {
  const auto s = parsed("role client\nsend text \"a\"\n");
  builder b;
  b.steps(1);
  b.call(1, call_kind::send, 0);
  b.result(1, of(call_result::kind::failed), 0);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "S");
}

// A send() after close() can only fail: it fails in its own turn, not when
// something it waited for (a write lock, stalled writes) lets it go.
history send_after_close_failing_at(std::size_t failed_step) {
  builder b;
  b.steps(3);
  b.call(1, call_kind::close, 0);
  b.wrote(wire::opcode::close, close_1000, 0);
  b.call(2, call_kind::send, 1);
  b.result(2, of(call_result::kind::failed), failed_step);
  b.push(event::kind::transport_closed, 2, 1000);
  b.result(1, closed(1006, false, false), 2, 1000);
  return b.h;
}

TEST(JudgeSend, SendAfterCloseFailingOnlyInALaterTurnFailsS) {
  const auto s = parsed("role client\nclose 1000\nsend text \"late\"\nadvance 1000\n");
  EXPECT_EQ(letters_of(judge(s, send_after_close_failing_at(1), {})), "");
  EXPECT_EQ(letters_of(judge(s, send_after_close_failing_at(2), {})), "S");
}

// A close() called while open returns only once its close frame was
// written (or the transport failed): with writes stalled, not at EOF.
history close_returning_at_eof(bool frame_written) {
  builder b;
  b.steps(3);
  b.call(1, call_kind::close, 1);
  if (frame_written) b.wrote(wire::opcode::close, close_1000, 2);
  b.push(event::kind::read_eof, 2);
  b.result(1, closed(1006, false, false), 2);
  return b.h;
}

TEST(JudgeSend, CloseReturningBeforeItsCloseFrameWasWrittenFailsS) {
  const auto s = parsed("role client\nstall-writes\nclose 1000\neof\n");
  EXPECT_EQ(letters_of(judge(s, close_returning_at_eof(true), {})), "");
  EXPECT_EQ(letters_of(judge(s, close_returning_at_eof(false), {})), "S");
}

TEST(JudgeSend, WaivedInTheOptionsIsLeftOut) {
  const auto s = parsed("role client\nsend text \"a\"\n");
  builder b;
  b.steps(1);
  b.call(1, call_kind::send, 0);
  b.result(1, of(call_result::kind::failed), 0);
  EXPECT_EQ(letters_of(judge(s, b.h, judge_options{"S"})), "");
}

// The peer's close frame (7 bytes unmasked: 88 05 03 e8 "ok") is read at
// step 1 while recv #1 waits since step 0.
const char* const recv_then_close = "role client\npeer close 1000 \"ok\"\nrecv\nread all\nadvance 1000\n";

TEST(JudgeLiveness, RecvWakingInTheTurnOfTheEndHolds) {
  const auto s = parsed(recv_then_close);
  builder b;
  b.steps(3);
  b.call(1, call_kind::recv, 0);
  b.read(0, 6, 1);
  b.wrote(wire::opcode::close, close_1000, 1);
  b.result(1, closed(1000, true, true, "ok"), 1);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "");
}

TEST(JudgeLiveness, RecvWakingOnlyWhenTheCloseTimeoutDropsTheTransportFailsL) {
  const auto s = parsed(recv_then_close);
  builder b;
  b.steps(3);
  b.call(1, call_kind::recv, 0);
  b.read(0, 6, 1);
  b.wrote(wire::opcode::close, close_1000, 1);
  b.push(event::kind::transport_closed, 2, 1000);
  b.result(1, closed(1000, true, true, "ok"), 2, 1000);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "L");
}

TEST(JudgeCloseStatus, RaisedBeforeTheInputEndedWithoutACodeFailsDAndC) {
  // recv() raises at step 0, before any byte was read; the connection then
  // ends with the peer's close 1000 "ok".
  const auto s = parsed("role client\npeer close 1000 \"ok\"\nrecv\nread all\n");
  builder b;
  b.steps(2);
  b.call(1, call_kind::recv, 0);
  b.result(1, closed(0, false, false), 0);
  b.read(0, 6, 1);
  b.wrote(wire::opcode::close, close_1000, 1);
  EXPECT_EQ(letters_of(judge(s, b.h, {})), "DC");
}

TEST(Invariants, OneTableNamesAndDefinesEveryLetter) {
  EXPECT_EQ(letters(), "DPCXTKFLWS");
  for (const auto& i : invariants()) {
    EXPECT_EQ(from_letter(i.letter), i.id);
    EXPECT_FALSE(i.name.empty());
    EXPECT_FALSE(i.definition.empty());
  }
  EXPECT_FALSE(from_letter('Q'));
  EXPECT_TRUE(valid_waiver("FS"));
  EXPECT_FALSE(valid_waiver("FQ"));
}

}  // namespace
}  // namespace lastword::history
