#include "lastword/scenario/scenario.hpp"

#include <random>

#include "lastword/scenario/generate.hpp"
#include "lastword/wire/codec.hpp"

#include <gtest/gtest.h>

namespace lastword::scenario {
namespace {

const char* const example = R"(# the python-websockets 14.0 case
role client
option high 8
option low 2
option close-timeout 500
peer text "Hello, \"world\"" more   # first fragment
peer continuation hex:c3a9
peer ping ""
peer binary hex:00ff
peer close 1000 "bye"
peer raw hex:8300
read frames 2
read 3; eof
recv timeout 0
recv-streaming
cancel
close 1001 "going"
advance 250
stall-writes
release-writes
reset
read all
recv
)";

scenario parsed(std::string_view text) {
  auto r = parse(text);
  if (auto* e = std::get_if<parse_error>(&r)) ADD_FAILURE() << e->to_string();
  return std::get<scenario>(r);
}

parse_error error_of(std::string_view text) {
  auto r = parse(text);
  EXPECT_TRUE(std::holds_alternative<parse_error>(r)) << "parsed: " << text;
  return std::holds_alternative<parse_error>(r) ? std::get<parse_error>(r) : parse_error{};
}

TEST(Scenario, ExampleParsesToTheExpectedValues) {
  const scenario s = parsed(example);
  EXPECT_EQ(s.role, wire::role::client);
  EXPECT_EQ(s.opts.high, 8u);
  EXPECT_EQ(s.opts.low, 2u);
  EXPECT_EQ(s.opts.close_timeout_ms, 500u);
  ASSERT_EQ(s.peer.size(), 6u);
  EXPECT_EQ(s.peer[0].payload, "Hello, \"world\"");
  EXPECT_FALSE(s.peer[0].fin);
  EXPECT_EQ(s.peer[1].payload, "\xc3\xa9");
  EXPECT_EQ(s.peer[4].code, 1000);
  EXPECT_EQ(s.peer[4].reason, "bye");
  EXPECT_EQ(s.peer[5].k, peer_frame::kind::raw);
  ASSERT_EQ(s.schedule.size(), 13u);
  EXPECT_EQ(s.schedule[0].k, step::kind::read_frames);
  EXPECT_TRUE(s.schedule[1].same_turn_as_next);
  EXPECT_EQ(s.schedule[2].k, step::kind::eof);
  EXPECT_FALSE(s.schedule[2].same_turn_as_next);
  EXPECT_EQ(s.schedule[3].timeout, 0u);
  EXPECT_EQ(s.schedule[6].code, 1001);
}

TEST(Scenario, PrintThenParseReturnsTheSameScenario) {
  const scenario s = parsed(example);
  const std::string text = print(s);
  EXPECT_EQ(parsed(text), s) << text;
  EXPECT_EQ(print(parsed(text)), text);
}

TEST(Scenario, SendStepsParsePrintAndRoundTrip) {
  const scenario s = parsed("send text \"abc\"\nsend binary hex:00ff more; send continuation \"z\"; close\n");
  ASSERT_EQ(s.schedule.size(), 4u);
  EXPECT_EQ(s.schedule[0].k, step::kind::send);
  EXPECT_EQ(s.schedule[0].frame, peer_frame::kind::text);
  EXPECT_EQ(s.schedule[0].payload, "abc");
  EXPECT_TRUE(s.schedule[0].fin);
  EXPECT_EQ(s.schedule[1].frame, peer_frame::kind::binary);
  EXPECT_EQ(s.schedule[1].payload, std::string("\x00\xff", 2));
  EXPECT_FALSE(s.schedule[1].fin);
  EXPECT_TRUE(s.schedule[1].same_turn_as_next);
  EXPECT_EQ(s.schedule[2].frame, peer_frame::kind::continuation);
  const std::string text = print(s);
  EXPECT_EQ(text, "role client\nsend text \"abc\"\nsend binary hex:00ff more; send continuation \"z\"; close 1000\n");
  EXPECT_EQ(parsed(text), s);
}

TEST(Scenario, BadSendStepsGiveAClearError) {
  EXPECT_EQ(error_of("send ping \"a\"\n").to_string(), "line 1, column 6: send needs text, binary or continuation");
  EXPECT_EQ(error_of("send text\n").message, "expected a payload (\"text\" or hex:...)");
  EXPECT_EQ(error_of("send text \"a\" later\n").message, "unexpected text after 'send'");
}

TEST(Scenario, PeerBytesMaskForAServer) {
  scenario s = parsed("role server\npeer text \"Hello\"\npeer close\n");
  const peer_bytes b = encode_peer(s);
  ASSERT_EQ(b.frame_ends.size(), 2u);
  EXPECT_EQ(b.frame_ends[0], 11u);  // 2 + 4 key + 5
  EXPECT_EQ(static_cast<unsigned char>(b.bytes[1]), 0x85);
}

TEST(Scenario, BadFilesGiveLineAndColumn) {
  EXPECT_EQ(error_of("recv\nfrobnicate\n").to_string(), "line 2, column 1: unknown statement 'frobnicate'");
  EXPECT_EQ(error_of("peer text \"abc\n").to_string(), "line 1, column 11: unterminated string");
  EXPECT_EQ(error_of("peer text hex:abc\n").line, 1u);
  EXPECT_EQ(error_of("read x\n").to_string(), "line 1, column 6: expected a byte count, 'frames N' or 'all', not 'x'");
  EXPECT_EQ(error_of("recv\npeer text \"a\"\n").to_string(), "line 2, column 1: peer frames come before the schedule");
  EXPECT_EQ(error_of("peer close 70000\n").column, 12u);
  EXPECT_EQ(error_of("recv extra\n").column, 6u);
  EXPECT_EQ(error_of("role peer\n").column, 6u);
  EXPECT_EQ(error_of("option high 1\noption low 2\n").message, "option low must not exceed option high");
  EXPECT_EQ(error_of("recv;;eof\n").message, "empty statement");
  EXPECT_EQ(error_of("peer text \"\\q\"\n").message, "unknown escape \\q");
  EXPECT_EQ(error_of("peer text\n").message, "expected a payload (\"text\" or hex:...)");
}

TEST(Scenario, EmptyTextIsAnEmptyScenario) {
  const scenario s = parsed("# nothing\n\n");
  EXPECT_TRUE(s.peer.empty());
  EXPECT_TRUE(s.schedule.empty());
}

// The mutator's shortcut: the schedule starts where from_bytes() says, for
// every input (the bytes are random with a fixed seed).
TEST(Scenario, ScheduleOffsetMatchesFromBytes) {
  std::minstd_rand rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    std::size_t offset = 99999;
    (void)from_bytes(bytes, &offset);
    ASSERT_EQ(schedule_offset(bytes), offset) << "input #" << i;
  }
}

// Masking a word at a time gives the bytes masking one at a time gives,
// for a payload long enough for the vector loop and a ragged end.
TEST(Scenario, PeerBytesOfALargePayloadAreMaskedByteForByte) {
  scenario s;
  s.role = wire::role::server;
  std::string payload(70003, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  s.peer.push_back({peer_frame::kind::binary, true, payload, {}, {}});
  const peer_bytes b = encode_peer(s);
  ASSERT_EQ(b.bytes.size(), 14 + payload.size());  // 2 + 8 (64-bit length) + 4 (key)
  const std::string key = b.bytes.substr(10, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    ASSERT_EQ(b.bytes[14 + i], static_cast<char>(payload[i] ^ key[i % 4])) << "byte " << i;
}

}  // namespace
}  // namespace lastword::scenario
