// permessage-deflate in the simulation (scenario option deflate): the peer
// compresses, the implementation inflates, and the judge holds D, C and S
// on the messages, not on the compressed bytes.
#include <gtest/gtest.h>

#include "lastword/history/judge.hpp"
#include "lastword/impls/registry.hpp"
#include "lastword/scenario/generate.hpp"
#include "lastword/wire/codec.hpp"

namespace lastword::sim {
namespace {

scenario::scenario parse(std::string_view text) {
  auto r = scenario::parse(text);
  if (auto* e = std::get_if<scenario::parse_error>(&r)) ADD_FAILURE() << e->to_string();
  return std::get<scenario::scenario>(r);
}

// The consumer's final results, "message DATA" or "closed CODE".
std::vector<std::string> results(const history::history& h) {
  std::vector<std::string> out;
  for (const auto& e : h.events) {
    if (e.k != history::event::kind::result || !e.final) continue;
    if (e.result.k == history::call_result::kind::message) out.push_back("message " + e.result.data);
    else if (e.result.k == history::call_result::kind::closed) out.push_back("closed " + std::to_string(e.result.code));
    else out.push_back(std::string(history::kind_name(e.result.k)));
  }
  return out;
}

std::string violations(const scenario::scenario& s, const history::history& h, std::string waived = {}) {
  std::string out;
  history::judge_options o;
  o.waived = std::move(waived);
  for (const auto& v : history::judge(s, h, o)) out += history::describe(s, v) + "\n";
  return out;
}

const std::string burst =
    "option deflate\n"
    "peer text \"hello hello hello\"\n"
    "peer binary \"hello again, hello\" more\n"
    "peer ping \"p\"\n"
    "peer continuation \" and the rest\"\n"
    "peer close 1000 \"bye\"\n"
    "read all; eof\nrecv\nrecv\nrecv\n";

TEST(DeflateSim, PeerBytesAreCompressedWithRsv1) {
  const auto s = parse("role client\n" + burst);
  const auto plain = [&] {
    auto p = s;
    p.opts.deflate = false;
    return scenario::encode_peer(p);
  }();
  const auto packed = scenario::encode_peer(s);
  ASSERT_EQ(packed.frame_ends.size(), s.peer.size());
  EXPECT_NE(packed.bytes, plain.bytes);
  EXPECT_EQ(static_cast<std::uint8_t>(packed.bytes[0]) & 0x40, 0x40);  // RSV1 on the first message
  // The frames decode (RSV1 allowed) and the ping between fragments stays.
  wire::frame_decoder d({wire::role::client, 1 << 20, 1 << 20, true});
  std::string_view in(packed.bytes);
  wire::frame f;
  std::vector<wire::opcode> ops;
  while (d.decode(in, f) == wire::frame_decoder::status::frame) ops.push_back(f.op);
  EXPECT_EQ(ops, (std::vector<wire::opcode>{wire::opcode::text, wire::opcode::binary, wire::opcode::ping,
                                            wire::opcode::continuation, wire::opcode::close}));
}

TEST(DeflateSim, ReferenceInflatesEveryMessageInBothRolesAndTheJudgeHolds) {
  for (const char* role : {"role client\n", "role server\n"})
    for (const char* nct : {"", "option deflate no-context-takeover\n"}) {
      const auto s = parse(std::string(role) + nct + burst);
      const auto h = impls::run_in_simulation(s, "reference");
      EXPECT_EQ(results(h), (std::vector<std::string>{"message hello hello hello",
                                                      "message hello again, hello and the rest", "closed 1000"}))
          << role << nct << history::timeline(s, h);
      EXPECT_EQ(violations(s, h), "") << history::timeline(s, h);
    }
}

TEST(DeflateSim, SentMessagesAreWrittenCompressedAndJudgedInflated) {
  const auto s = parse("role client\noption deflate\npeer close 1000\nsend text \"say it twice, say it twice\"\n"
                       "send binary \"bytes\"\nclose 1000\nread all\neof\n");
  const auto h = impls::run_in_simulation(s, "reference");
  std::vector<std::string> wrote;
  for (const auto& e : h.events)
    if (e.k == history::event::kind::wrote && !wire::is_control(e.frame.op)) wrote.push_back(e.frame.payload);
  EXPECT_EQ(wrote, (std::vector<std::string>{"say it twice, say it twice", "bytes"})) << history::timeline(s, h);
  EXPECT_EQ(violations(s, h), "") << history::timeline(s, h);
}

TEST(DeflateSim, DataThatDoesNotInflateFailsWith1007AfterEarlierMessages) {
  // A text message, then a frame with RSV1 whose payload is not DEFLATE.
  const auto s = parse("role client\noption deflate\npeer text \"first\"\npeer raw hex:c104ffffffff\n"
                       "peer text \"never\"\nread all\nrecv\nrecv\neof\nrecv\n");
  const auto h = impls::run_in_simulation(s, "reference");
  EXPECT_EQ(results(h), (std::vector<std::string>{"message first", "closed 1007", "closed 1007"}))
      << history::timeline(s, h);
  EXPECT_EQ(violations(s, h), "") << history::timeline(s, h);
}

TEST(DeflateSim, DecompressionBombIsBoundedByTheInflatedSizeAndFailsWith1009) {
  // 4 KiB limit; the message compresses to far less and inflates to 256 KiB.
  const auto s = parse("role client\noption deflate\noption max-size 4096\npeer text \"ok\"\npeer binary hex:" +
                       std::string(2 * 262144, '0') + "\npeer close 1000\nread all\nrecv\nrecv\neof\n");
  ASSERT_LT(scenario::encode_peer(s).bytes.size(), 4096u);
  const auto h = impls::run_in_simulation(s, "reference");
  EXPECT_EQ(results(h), (std::vector<std::string>{"message ok", "closed 1009"})) << history::timeline(s, h);
  EXPECT_EQ(violations(s, h), "") << history::timeline(s, h);
}

TEST(DeflateSim, JudgeExpectsTheInflatedFailureCode) {
  // A history that reports 1002 where the inflated stream says 1009 is a C
  // violation: the judge inflates the peer's stream itself.
  const auto s = parse("role client\noption deflate\noption max-size 4096\npeer binary hex:" +
                       std::string(2 * 65536, '0') + "\nread all\nrecv\neof\n");
  auto h = impls::run_in_simulation(s, "reference");
  bool changed = false;
  for (auto& e : h.events)
    if (e.k == history::event::kind::result && e.result.k == history::call_result::kind::closed) {
      ASSERT_EQ(e.result.code, 1009);
      e.result.code = 1002;
      changed = true;
    }
  ASSERT_TRUE(changed);
  EXPECT_NE(violations(s, h).find("1009"), std::string::npos) << violations(s, h);
}

// The regression class of node ws 1.1.1 with permessage-deflate: the
// planted variant loses the burst only when compression is in use.
TEST(DeflateSim, InflationPendingAtTheEndLosesMessagesOnlyWithCompression) {
  const auto with = parse("role client\n" + burst);
  const auto h = impls::run_in_simulation(with, "nodews-deflate-close-before-inflate");
  EXPECT_EQ(results(h), (std::vector<std::string>{"closed 1006", "closed 1006", "closed 1006"}))
      << history::timeline(with, h);
  const auto found = history::judge(with, h);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.front().invariant, 'D');
  auto without = with;
  without.opts.deflate = false;
  EXPECT_EQ(violations(without, impls::run_in_simulation(without, "nodews-deflate-close-before-inflate")), "");
}

// A run and its judgement may share one encoding of the peer stream (the
// fuzz targets and the refinement checker do): the same history and the
// same verdicts as when each encodes its own, on a script whose messages
// are compressed, for an implementation that holds and one that does not.
TEST(DeflateSim, SharedPeerEncodingGivesTheSameHistoryAndVerdicts) {
  for (const char* impl : {"reference", "nodews-deflate-close-before-inflate"})
    for (const char* role : {"role client\n", "role server\n"}) {
      const auto s = parse(role + burst + "send text \"sent\"\nclose 1000\nadvance 5000\n");
      const auto own = impls::run_in_simulation(s, impl);
      const scenario::peer_bytes peer = scenario::encode_peer(s);
      const auto shared = impls::run_in_simulation(s, peer, impl);
      ASSERT_TRUE(own.not_applicable.empty() && shared.not_applicable.empty()) << impl;
      EXPECT_EQ(history::timeline(s, shared), history::timeline(s, own)) << impl << " " << role;
      std::string a, b;
      for (const auto& v : history::judge(s, own)) a += history::describe(s, v) + "\n";
      for (const auto& v : history::judge(s, peer, shared)) b += history::describe(s, v) + "\n";
      EXPECT_EQ(b, a) << impl << " " << role;
      EXPECT_EQ(a.empty(), std::string(impl) == "reference") << impl << " " << role << "\n" << a;
    }
}

TEST(DeflateSim, FromBytesChoosesPermessageDeflateForAQuarterOfItsInputs) {
  // Bytes: role, high (16), low, then the byte of the size limit and deflate.
  std::size_t on = 0, nct = 0;
  for (unsigned b = 0; b < 256; ++b) {
    const std::uint8_t bytes[] = {0, 0, 0, static_cast<std::uint8_t>(b)};
    const auto s = scenario::from_bytes(bytes);
    EXPECT_EQ(s.opts.max_size, b % 4 == 3 ? 12u : 1u << 20) << b;  // the limit's meaning is kept
    on += s.opts.deflate;
    nct += s.opts.deflate_no_context_takeover;
  }
  EXPECT_EQ(on, 64u);
  EXPECT_EQ(nct, 32u);
}

// Beast reads only while a read is pending (its F finding in the README,
// waived here as `lastword check --impl beast --waive F` does).
TEST(DeflateSim, BeastWithPermessageDeflateKeepsTheContractOnTheBurst) {
  for (const char* role : {"role client\n", "role server\n"})
    for (const char* nct : {"", "option deflate no-context-takeover\n"}) {
      const auto s = parse(std::string(role) + nct + burst);
      const auto h = impls::run_in_simulation(s, "beast");
      ASSERT_EQ(h.not_applicable, "");
      EXPECT_EQ(results(h), (std::vector<std::string>{"message hello hello hello",
                                                      "message hello again, hello and the rest", "closed 1000"}))
          << role << nct << history::timeline(s, h);
      EXPECT_EQ(violations(s, h, "F"), "") << history::timeline(s, h);
    }
}

}  // namespace
}  // namespace lastword::sim
