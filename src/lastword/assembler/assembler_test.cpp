#include "lastword/assembler/assembler.hpp"

#include <gtest/gtest.h>

namespace lastword::assembler {
namespace {

using wire::opcode;

wire::frame text(std::string s, bool fin = true) { return {opcode::text, fin, std::move(s)}; }
wire::frame binary(std::string s, bool fin = true) { return {opcode::binary, fin, std::move(s)}; }
wire::frame more(std::string s, bool fin) { return {opcode::continuation, fin, std::move(s)}; }

struct consumer {
  message_assembler& a;
  explicit consumer(message_assembler& a) : a(a) { EXPECT_TRUE(a.acquire()); }
  ~consumer() { a.release(); }
};

TEST(Assembler, QueuedMessagesAreDeliveredAfterTheEnd) {
  // The python-websockets 14.0 case: message and end both before the get.
  message_assembler a;
  a.put(text("last words"));
  a.end();
  consumer c(a);
  message m;
  ASSERT_EQ(a.get(m), get_status::ready);
  EXPECT_EQ(m, (message{true, "last words"}));
  EXPECT_EQ(a.get(m), get_status::end_of_stream);
  EXPECT_EQ(a.get(m), get_status::end_of_stream);
}

TEST(Assembler, MessagesComeOutInOrderEachOnce) {
  message_assembler a;
  a.put(text("a"));
  a.put(binary("b", false));
  a.put(more("c", true));
  a.put(text(""));
  consumer c(a);
  message m;
  ASSERT_EQ(a.get(m), get_status::ready);
  EXPECT_EQ(m, (message{true, "a"}));
  ASSERT_EQ(a.get(m), get_status::ready);
  EXPECT_EQ(m, (message{false, "bc"}));
  ASSERT_EQ(a.get(m), get_status::ready);
  EXPECT_EQ(m, (message{true, ""}));
  EXPECT_EQ(a.get(m), get_status::would_block);
}

TEST(Assembler, PartialMessageIsNeverReturnedWhole) {
  message_assembler a;
  a.put(text("complete"));
  a.put(text("par", false));
  a.put(more("tial", false));
  consumer c(a);
  message m;
  ASSERT_EQ(a.get(m), get_status::ready);
  EXPECT_EQ(a.get(m), get_status::would_block);
  a.end();
  EXPECT_EQ(a.get(m), get_status::end_of_stream);
}

TEST(Assembler, StreamingYieldsReceivedFragmentsThenTheEnd) {
  message_assembler a;
  a.put(text("par", false));
  a.put(more("tial", false));
  a.end();
  consumer c(a);
  fragment f;
  ASSERT_EQ(a.get_fragment(f), get_status::ready);
  EXPECT_EQ(f, (fragment{true, false, "par"}));
  ASSERT_EQ(a.get_fragment(f), get_status::ready);
  EXPECT_EQ(f, (fragment{true, false, "tial"}));
  EXPECT_EQ(a.get_fragment(f), get_status::end_of_stream);
  // The fragments were delivered: a later consumer sees only the end.
  a.put_back();
  EXPECT_EQ(a.get_fragment(f), get_status::end_of_stream);
  message m;
  EXPECT_EQ(a.get(m), get_status::end_of_stream);
}

TEST(Assembler, PutBackReturnsTakenFragmentsToTheFront) {
  message_assembler a;
  a.put(binary("1", false));
  a.put(more("2", false));
  consumer c(a);
  fragment f;
  ASSERT_EQ(a.get_fragment(f), get_status::ready);
  ASSERT_EQ(a.get_fragment(f), get_status::ready);
  EXPECT_EQ(a.get_fragment(f), get_status::would_block);
  a.put_back();  // the streaming call was cancelled
  a.put(more("3", true));
  message m;
  ASSERT_EQ(a.get(m), get_status::ready);
  EXPECT_EQ(m, (message{false, "123"}));
}

TEST(Assembler, ReleasePutsBackAnUnfinishedStream) {
  message_assembler a;
  a.put(text("x", false));
  {
    consumer c(a);
    fragment f;
    ASSERT_EQ(a.get_fragment(f), get_status::ready);
  }
  EXPECT_EQ(a.queued_frames(), 1u);
  EXPECT_FALSE(a.streaming());
}

TEST(Assembler, SecondConsumerIsRefused) {
  message_assembler a;
  ASSERT_TRUE(a.acquire());
  EXPECT_FALSE(a.acquire());
  a.release();
  EXPECT_TRUE(a.acquire());
  a.release();
}

TEST(Assembler, PausesAboveHighAndResumesAtLow) {
  message_assembler a({.high = 3, .low = 1});
  for (int i = 0; i < 3; ++i) a.put(text("m"));
  EXPECT_FALSE(a.paused());
  a.put(text("m"));
  EXPECT_TRUE(a.paused());
  consumer c(a);
  message m;
  a.get(m);
  a.get(m);
  EXPECT_TRUE(a.paused());  // 2 left, low is 1
  a.get(m);
  EXPECT_FALSE(a.paused());
}

TEST(Assembler, HighZeroPausesOnFirstFrame) {
  message_assembler a({.high = 0, .low = 0});
  a.put(text("m"));
  EXPECT_TRUE(a.paused());
}

TEST(Assembler, EndingReleasesThePauseAndKeepsTheQueue) {
  message_assembler a({.high = 0, .low = 0});
  a.put(text("one"));
  a.put(text("two"));
  ASSERT_TRUE(a.paused());
  a.end();
  EXPECT_FALSE(a.paused());
  EXPECT_EQ(a.queued_frames(), 2u);
  EXPECT_EQ(a.complete_messages(), 2u);
}

}  // namespace
}  // namespace lastword::assembler
