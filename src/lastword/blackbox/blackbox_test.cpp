// Tests of the black-box pieces that need no process: permessage-deflate,
// the adapter's lines, the plan, and the translation the judge sees.
#include <gtest/gtest.h>

#include <random>

#include "lastword/blackbox/adapter.hpp"
#include "lastword/blackbox/plan.hpp"
#include "lastword/blackbox/translate.hpp"
#include "lastword/history/judge.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/deflate.hpp"

namespace lastword::blackbox {
namespace {

scenario::scenario parse(const std::string& text) {
  auto r = scenario::parse(text);
  EXPECT_TRUE(std::holds_alternative<scenario::scenario>(r));
  return std::get<scenario::scenario>(r);
}

const std::string burst =
    "role client\npeer text \"one\"\npeer text \"two\"\npeer close 1000 \"bye\"\nread all; eof\nrecv\nrecv\nrecv\n";

adapter_result msg(std::string d) {
  adapter_result r;
  r.k = adapter_result::kind::message;
  r.data = std::move(d);
  return r;
}
adapter_result closed(std::uint16_t code, std::string reason, bool clean) {
  adapter_result r;
  r.k = adapter_result::kind::closed;
  r.code = code;
  r.reason = std::move(reason);
  r.clean = clean;
  return r;
}

// One run as lastword would record it: everything written in one write,
// FIN, the client's close echo, and the given results.
std::vector<history::violation> judge_run(const std::string& text, std::vector<adapter_result> results,
                                          bool reset = false, std::vector<std::uint64_t> result_us = {}) {
  const auto s = parse(text);
  std::mt19937_64 rng(1);
  const auto stream = encode_stream(s, std::nullopt);
  const plan pl = make_plan(s, profile::recv, stream, rng);
  observation o;
  o.results = std::move(results);
  o.result_us = std::move(result_us);
  o.writes.push_back({10, stream.bytes.size()});
  o.stream_frame_ends = stream.frame_ends;
  if (reset) o.reset_us = 11; else o.fin_us = 11;
  wire::frame echo;
  echo.op = wire::opcode::close;
  echo.payload = wire::encode_close_payload(1000, "");
  if (!reset) o.frames.push_back({20, echo});
  const auto j = translate(s, profile::recv, pl, o);
  return history::judge(j.s, j.h);
}

TEST(Deflate, RoundTripWithAndWithoutContextTakeover) {
  for (bool no_takeover : {false, true}) {
    wire::deflater d(no_takeover, 15);
    wire::inflater i(no_takeover, 15, 1 << 20);
    for (const std::string& m : std::vector<std::string>{"hello", "", "hello hello hello", std::string(70000, 'z')}) {
      std::string out;
      ASSERT_EQ(i.inflate(d.compress(m), out), wire::inflater::status::ok);
      EXPECT_EQ(out, m);
    }
  }
}

TEST(Deflate, BombStopsAtTheInflatedSizeLimit) {
  wire::deflater d(false, 15);
  const std::string packed = d.compress(std::string(10 << 20, 'a'));
  EXPECT_LT(packed.size(), 20000u);
  wire::inflater i(false, 15, 1 << 20);
  std::string out;
  EXPECT_EQ(i.inflate(packed, out), wire::inflater::status::too_big);
  EXPECT_LE(out.size(), 1u << 20);
}

TEST(Deflate, GarbageIsBadData) {
  wire::inflater i(false, 15, 1 << 20);
  std::string out;
  EXPECT_EQ(i.inflate(std::string("\xff\xff\xff\xff\xff", 5), out), wire::inflater::status::bad_data);
}

TEST(Deflate, NegotiationHonoursTheOffer) {
  auto p = wire::accept_deflate_offer("x-foo, permessage-deflate; client_max_window_bits", false);
  ASSERT_TRUE(p);
  EXPECT_EQ(wire::deflate_header(*p), "permessage-deflate");
  p = wire::accept_deflate_offer("permessage-deflate; server_max_window_bits=10", true);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 10);
  EXPECT_TRUE(p->client_no_context_takeover);
  EXPECT_FALSE(wire::accept_deflate_offer("permessage-deflate; server_max_window_bits=16", false));
  EXPECT_FALSE(wire::accept_deflate_offer("permessage-deflate; bogus", false));
}

TEST(ScenarioOption, DeflateParsesAndPrintsBack) {
  const auto s = parse("role client\noption deflate no-context-takeover\npeer text \"x\"\nread all\nrecv\n");
  EXPECT_TRUE(s.opts.deflate);
  EXPECT_TRUE(s.opts.deflate_no_context_takeover);
  EXPECT_EQ(parse(scenario::print(s)), s);
  EXPECT_TRUE(std::holds_alternative<scenario::parse_error>(scenario::parse("option deflate sometimes\n")));
}

TEST(AdapterLine, MalformedLinesSayWhatIsWrong) {
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_result_line("hello")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_result_line("{\"result\":\"message\",\"type\":\"text\"}")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_result_line("{\"result\":\"closed\",\"code\":70000,\"clean\":true}")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_result_line("{\"result\":\"message\",\"type\":\"binary\",\"hex\":\"zz\"}")));
  auto r = parse_result_line("{\"result\":\"message\",\"type\":\"binary\",\"hex\":\"0aff\"}");
  ASSERT_TRUE(std::holds_alternative<adapter_result>(r));
  EXPECT_EQ(std::get<adapter_result>(r).data, std::string("\x0a\xff", 2));
}

TEST(Translate, BurstDeliveredInFullHolds) {
  EXPECT_TRUE(judge_run(burst, {msg("one"), msg("two"), closed(1000, "bye", true)}).empty());
}

TEST(Translate, BurstLosingTheLastMessageViolatesD) {
  auto v = judge_run(burst, {msg("one"), closed(1000, "bye", true), closed(1000, "bye", true)});
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front().invariant, 'D');
}

TEST(Translate, WrongCloseCodeViolatesC) {
  auto v = judge_run(burst, {msg("one"), msg("two"), closed(1006, "", false)});
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front().invariant, 'C');
}

TEST(Translate, TimeoutLongAfterTheEndViolatesL) {
  const std::string text =
      "role client\npeer text \"one\"\npeer close 1000\nread all; eof\nrecv\nrecv timeout 3000\nrecv\n";
  adapter_result timeout;
  timeout.k = adapter_result::kind::timeout;
  // The end was written at 10 us; the timeout came 3 s later.
  auto v = judge_run(text, {msg("one"), timeout, closed(1000, "", true)}, false, {5000, 3'000'000, 3'001'000});
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front().invariant, 'L');
  // A timeout that expired before the end arrived is no violation.
  EXPECT_TRUE(judge_run(text, {msg("one"), timeout, closed(1000, "", true)}, false, {5000, 50'000, 60'000}).empty());
}

// The consumer sends two messages then closes; what lastword read back
// decides S.
std::vector<history::violation> judge_sends(std::vector<wire::frame> client_frames) {
  const auto s = parse("role client\npeer close 1000\nsend text \"a\"\nsend binary \"bb\"\nclose 1000\n"
                       "advance 100\nread all; eof\nrecv\n");
  std::mt19937_64 rng(1);
  const auto stream = encode_stream(s, std::nullopt);
  const plan pl = make_plan(s, profile::recv, stream, rng);
  EXPECT_TRUE(pl.not_expressible.empty());
  observation o;
  adapter_result sent;
  sent.k = adapter_result::kind::sent;
  o.results = {sent, sent, closed(1000, "", true), closed(1000, "", true)};
  std::uint64_t t = 10;
  for (auto& f : client_frames) o.frames.push_back({t++, std::move(f)});
  o.writes.push_back({100, stream.bytes.size()});
  o.stream_frame_ends = stream.frame_ends;
  o.fin_us = 101;
  const auto j = translate(s, profile::recv, pl, o);
  return history::judge(j.s, j.h);
}

wire::frame data_frame(wire::opcode op, std::string p) {
  wire::frame f;
  f.op = op;
  f.payload = std::move(p);
  return f;
}

TEST(Translate, SendsWrittenBeforeTheCloseFrameHoldS) {
  wire::frame close;
  close.op = wire::opcode::close;
  close.payload = wire::encode_close_payload(1000, "");
  EXPECT_TRUE(judge_sends({data_frame(wire::opcode::text, "a"), data_frame(wire::opcode::binary, "bb"), close}).empty());
}

TEST(Translate, CloseFrameOvertakingASendViolatesS) {
  wire::frame close;
  close.op = wire::opcode::close;
  close.payload = wire::encode_close_payload(1000, "");
  auto v = judge_sends({data_frame(wire::opcode::text, "a"), close});
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front().invariant, 'S');
}

TEST(Translate, AfterAResetAPrefixIsEnough) {
  const std::string text = "role client\npeer text \"one\"\npeer text \"two\"\nread all\nreset\nrecv\nrecv\n";
  EXPECT_TRUE(judge_run(text, {msg("one"), closed(1006, "", false)}, true).empty());
}

TEST(Translate, AfterAResetAGapViolatesD) {
  const std::string text = "role client\npeer text \"one\"\npeer text \"two\"\nread all\nreset\nrecv\nrecv\n";
  auto v = judge_run(text, {msg("two"), closed(1006, "", false)}, true);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.front().invariant, 'D');
}

TEST(AdapterSteps, EveryStepKindIsWritten) {
  std::vector<consumer_step> steps(6);
  steps[0].k = consumer_step::kind::recv;
  steps[1].k = consumer_step::kind::recv;
  steps[1].timeout = 300;
  steps[2].k = consumer_step::kind::sleep;
  steps[2].ms = 5;
  steps[3].k = consumer_step::kind::close;
  steps[3].code = 1001;
  steps[3].reason = "bye";
  steps[4].k = consumer_step::kind::send;
  steps[4].data = "hi";
  steps[5].k = consumer_step::kind::send;
  steps[5].text = false;
  steps[5].data = std::string("\x00\xff", 2);
  EXPECT_EQ(steps_json(steps),
            "[{\"do\":\"recv\"},{\"do\":\"recv\",\"timeout\":300},{\"do\":\"sleep\",\"ms\":5},"
            "{\"do\":\"close\",\"code\":1001,\"reason\":\"bye\"},{\"do\":\"send\",\"type\":\"text\",\"data\":\"hi\"},"
            "{\"do\":\"send\",\"type\":\"binary\",\"hex\":\"00ff\"}]");
}

TEST(Plan, JoinedReadsAreOneWriteAndAdvanceDelaysItsLane) {
  const auto s = parse("role client\npeer text \"a\"\npeer text \"b\"\nread frames 1; read frames 1; eof\n"
                       "advance 50\nrecv\n");
  std::mt19937_64 rng(3);
  const auto stream = encode_stream(s, std::nullopt);
  const plan p = make_plan(s, profile::events, stream, rng);
  std::size_t writes = 0;
  for (const auto& a : p.peer) writes += a.k == peer_action::kind::write;
  EXPECT_EQ(writes, 1u);
  ASSERT_GE(p.consumer.size(), 3u);
  EXPECT_EQ(p.consumer[1].k, consumer_step::kind::block);
  EXPECT_EQ(p.consumer[1].ms, 50u);
}

}  // namespace
}  // namespace lastword::blackbox
