// The differential comparison: agreement, each documented exception (and
// only it), the known Beast finding, and a planted difference.
#include "lastword/impls/differential.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "lastword/impls/registry.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/deflate.hpp"

namespace lastword::impls {
namespace {

differential_case client(std::string stream, std::uint64_t max = 1 << 20) {
  return {wire::role::client, max, std::move(stream)};
}

TEST(Differential, AgreeOnMessagesAndACleanClose) {
  const auto r = compare_with_beast(client(std::string("\x81\x01" "a\x82\x02xy\x88\x02\x03\xe8", 12)));
  EXPECT_EQ(r.difference, "");
}

TEST(Differential, CloseReasonNotUtf8IsADocumentedException) {
  const auto r = compare_with_beast(client(std::string("\x88\x03\x03\xe8\xff", 5)));
  EXPECT_NE(r.difference, "");
  EXPECT_EQ(r.exception, "close-reason-not-utf8");
}

TEST(Differential, TopBitLengthIsADocumentedException) {
  const auto r = compare_with_beast(client(std::string("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x01", 10), 16));
  EXPECT_EQ(r.exception, "top-bit-length-over-limit");
}

TEST(Differential, ErrorInAnUnfinishedFrameIsADocumentedException) {
  // A text frame inside a fragmented message, cut after its first byte.
  const auto r = compare_with_beast(client(std::string("\x01\x01" "a\x01", 4)));
  EXPECT_EQ(r.exception, "error-in-unfinished-frame");
}

TEST(Differential, CloseCodesAbove4999AndCode1014AreDocumentedExceptions) {
  EXPECT_EQ(compare_with_beast(client(std::string("\x88\x02\x13\x88", 4))).exception, "close-code-5000-up");
  EXPECT_EQ(compare_with_beast(client(std::string("\x88\x02\x03\xf6", 4))).exception, "close-code-1014");
}

TEST(Differential, BeastDeliversUnfinishedUtf8IsAKnownFinding) {
  // Text "\xe2" without FIN, then an empty final continuation frame.
  const auto r = compare_with_beast(client(std::string("\x01\x01\xe2\x80\x00", 5)));
  EXPECT_EQ(r.exception, "finding: beast-delivers-unfinished-utf8");
}

// The stream `01 01 e2 80 00 82 37 ...` that a CI run found: after the
// unfinished UTF-8 message Beast goes on delivering (a 55-byte binary
// message) and fails only at a frame with a reserved opcode (1002);
// lastword delivers nothing and fails with 1007. What Beast does after the
// invalid message is not compared.
std::string unfinished_utf8_then_more() {
  return std::string("\x01\x01\xe2\x80\x00", 5) + "\x82\x37" + std::string(55, 'b') + std::string("\x83\x00", 2);
}

TEST(Differential, BeastDeliveringMoreAfterUnfinishedUtf8IsTheSameKnownFinding) {
  const auto c = client(unfinished_utf8_then_more());
  EXPECT_EQ(receive_in_simulation(c, "beast").messages.size(), 2u);
  const auto r = compare_with_beast(c);
  EXPECT_NE(r.difference.find("messages differ"), std::string::npos) << r.difference;
  EXPECT_EQ(r.exception, "finding: beast-delivers-unfinished-utf8") << r.difference;
}

TEST(Differential, AMessageMissingBeforeTheUnfinishedUtf8IsStillADifference) {
  // "a", then the unfinished UTF-8 message: Beast delivers both. A variant
  // that loses "a" on lastword's side differs before Beast's finding, so
  // the finding does not explain it.
  const auto c = client(std::string("\x81\x01" "a", 3) + unfinished_utf8_then_more());
  EXPECT_EQ(compare_with_beast(c).exception, "finding: beast-delivers-unfinished-utf8");
  const auto r = compare_with_beast(c, "ws14-closed-before-drain");
  EXPECT_NE(r.difference.find("messages differ"), std::string::npos) << r.difference;
  EXPECT_EQ(r.exception, "") << r.difference;
}

TEST(Differential, APlantedVariantDiffersWithoutException) {
  const auto c = client(std::string("\x81\x01" "a\x88\x02\x03\xe8", 7));
  EXPECT_EQ(compare_with_beast(c).difference, "");
  const auto r = compare_with_beast(c, "ws14-closed-before-drain");
  EXPECT_NE(r.difference.find("messages differ"), std::string::npos) << r.difference;
  EXPECT_EQ(r.exception, "");
}

}  // namespace
}  // namespace lastword::impls

namespace lastword::impls {
namespace {

// permessage-deflate on both sides (flags bit 6): Beast's permessage_deflate
// against lastword's zlib inflater, on the same compressed bytes.
differential_case deflated(std::string stream, std::uint64_t max = 1 << 20, bool nct = false) {
  differential_case c{wire::role::client, max, std::move(stream)};
  c.deflate = true;
  c.no_context_takeover = nct;
  return c;
}

std::string compressed_frame(wire::deflater& z, wire::opcode op, std::string_view message) {
  const std::string packed = z.compress(message);
  wire::header_fields h;
  h.rsv1 = true;
  h.opcode = static_cast<std::uint8_t>(op);
  h.length = packed.size();
  std::string out;
  wire::encode_header(out, h);
  return out + packed;
}

const std::string close_1000("\x88\x02\x03\xe8", 4);

TEST(DifferentialDeflate, FlagsByteChoosesTheExtension) {
  const std::uint8_t on[] = {0x40 | 0x80 | 1, 'x'};
  const auto c = differential_case_from_bytes(on, sizeof on);
  EXPECT_TRUE(c.deflate);
  EXPECT_TRUE(c.no_context_takeover);
  EXPECT_TRUE(differential_scenario(c).opts.deflate);
  const std::uint8_t off[] = {0x80 | 1, 'x'};
  EXPECT_FALSE(differential_case_from_bytes(off, sizeof off).deflate);
}

TEST(DifferentialDeflate, AgreeOnCompressedMessagesWithAndWithoutContextTakeover) {
  for (const bool nct : {false, true}) {
    wire::deflater z(nct, 15);
    // In order: the second message is compressed with the first's context.
    std::string stream = compressed_frame(z, wire::opcode::text, "hello hello");
    stream += compressed_frame(z, wire::opcode::text, "hello again");
    stream += std::string("\x82\x05plain", 7) + close_1000;
    const auto c = deflated(stream, 1 << 20, nct);
    const auto a = receive_in_simulation(c, "reference");
    ASSERT_EQ(a.messages.size(), 3u) << "code " << a.code << "\n" << scenario::print(differential_scenario(c));
    EXPECT_EQ(a.messages[1].data, "hello again");
    EXPECT_EQ(compare_with_beast(c).difference, "");
  }
}

TEST(DifferentialDeflate, BombFailsWith1009OnBothSides) {
  wire::deflater z(false, 15);
  const std::string packed = compressed_frame(z, wire::opcode::binary, std::string(1 << 20, 'a'));
  ASSERT_LT(packed.size(), 4096u);
  const auto c = deflated(packed + close_1000, 4096);
  EXPECT_EQ(receive_in_simulation(c, "reference").code, 1009);
  EXPECT_EQ(receive_in_simulation(c, "beast").code, 1009);
  EXPECT_EQ(compare_with_beast(c).difference, "");
}

TEST(DifferentialDeflate, InflatedTextNotUtf8FailsWith1007OnBothSides) {
  wire::deflater z(false, 15);
  const auto c = deflated(compressed_frame(z, wire::opcode::text, "\xc3\x28") + close_1000);
  EXPECT_EQ(receive_in_simulation(c, "reference").code, 1007);
  EXPECT_EQ(compare_with_beast(c).difference, "");
}

TEST(DifferentialDeflate, BadCompressedDataIsAKnownBeastFinding) {
  wire::deflater z(false, 15);
  const auto c = deflated(compressed_frame(z, wire::opcode::text, "first") + std::string("\xc1\x04\xff\xff\xff\xff", 6) +
                          close_1000);
  const auto a = receive_in_simulation(c, "reference");
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.code, 1007);
  const auto b = receive_in_simulation(c, "beast");
  EXPECT_EQ(b.messages, a.messages);
  EXPECT_EQ(b.code, 1006);
  // What the finding says: Beast wrote no close frame.
  const auto h = run_in_simulation(differential_scenario(c), "beast");
  for (const auto& e : h.events) EXPECT_FALSE(e.k == history::event::kind::wrote && e.frame.op == wire::opcode::close);
  EXPECT_EQ(compare_with_beast(c).exception, "finding: beast-bad-deflate-data-without-close-frame");
}

// RFC 7692 section 7.2.3.4: a sender may end a message's DEFLATE data with
// a block that has BFINAL set ("hello", zlib with Z_FINISH).
const std::string final_block_hello("\xc1\x07\xcb\x48\xcd\xc9\xc9\x07\x00", 9);

TEST(DifferentialDeflate, MessageEndingInAFinalBlockIsLostByBeastAKnownFinding) {
  const auto c = deflated(std::string("\xc1\x03\x4a\x04\x00", 5) /* "a" */ + final_block_hello + close_1000);
  const auto a = receive_in_simulation(c, "reference");
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_EQ(a.messages[1].data, "hello");
  EXPECT_EQ(a.code, 1000);
  const auto b = receive_in_simulation(c, "beast");
  ASSERT_EQ(b.messages.size(), 1u);
  EXPECT_EQ(b.code, 1006);
  EXPECT_EQ(compare_with_beast(c).exception, "finding: beast-drops-message-ending-in-final-deflate-block");
}

TEST(DifferentialDeflate, ALostMessageBeforeTheFinalBlockOneIsStillADifference) {
  // A variant that loses "a" differs before Beast's finding.
  const auto c = deflated(std::string("\xc1\x03\x4a\x04\x00", 5) + final_block_hello + close_1000);
  const auto r = compare_with_beast(c, "ws14-closed-before-drain");
  EXPECT_NE(r.difference, "");
  EXPECT_EQ(r.exception, "") << r.difference;
}

// RFC 7692 section 7.1.1: with no_context_takeover agreed, a peer that
// still refers back into its previous message breaks its promise. lastword
// starts each message with an empty window and fails the connection
// (1007); Beast keeps its window and inflates the message as meant.
TEST(DifferentialDeflate, APeerThatBreaksNoContextTakeoverIsNamed) {
  wire::deflater z(false, 15);  // the peer keeps its context regardless
  std::string stream = compressed_frame(z, wire::opcode::text, "hello hello hello");
  stream += compressed_frame(z, wire::opcode::text, "hello hello hello");
  const auto c = deflated(stream + close_1000, 1 << 20, true);
  const auto a = receive_in_simulation(c, "reference");
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.code, 1007);
  const auto b = receive_in_simulation(c, "beast");
  ASSERT_EQ(b.messages.size(), 2u);
  EXPECT_EQ(b.messages[1].data, "hello hello hello");
  EXPECT_EQ(compare_with_beast(c).exception, "peer-broke-no-context-takeover");
  // Without the promise the same stream is no difference at all.
  EXPECT_EQ(compare_with_beast(deflated(stream + close_1000)).difference, "");
  // A variant that loses the first message still differs.
  const auto r = compare_with_beast(c, "ws14-closed-before-drain");
  EXPECT_NE(r.difference, "");
  EXPECT_EQ(r.exception, "") << r.difference;
}

// Text that is not UTF-8 as far as it inflated (a run of 'W', then 0x8f),
// in a message whose final frame never comes: lastword fails at once
// (1007), Beast sees the end of the stream first (1006).
const std::string unfinished_not_utf8("\x41\x02\x0a\x47\x00\x02\x06\xfd\xff", 9);

TEST(DifferentialDeflate, TextNotUtf8InAnUnfinishedMessageIsNamed) {
  const auto c = deflated(unfinished_not_utf8);
  EXPECT_EQ(receive_in_simulation(c, "reference").code, 1007);
  EXPECT_EQ(receive_in_simulation(c, "beast").code, 1006);
  EXPECT_EQ(compare_with_beast(c).exception, "not-utf8-in-unfinished-message");
  // The message before it, lost by a variant, is still a difference.
  const auto before = deflated(std::string("\xc1\x03\x4a\x04\x00", 5) /* "a" */ + unfinished_not_utf8);
  EXPECT_EQ(compare_with_beast(before).exception, "not-utf8-in-unfinished-message");
  const auto r = compare_with_beast(before, "ws14-closed-before-drain");
  EXPECT_NE(r.difference, "");
  EXPECT_EQ(r.exception, "") << r.difference;
  // Once the message ends, both fail it as not UTF-8: no difference.
  const auto ended = deflated(unfinished_not_utf8.substr(0, 4) + std::string("\x80\x02\x06\xfd", 4) + close_1000);
  EXPECT_EQ(compare_with_beast(ended).difference, "");
}

TEST(DifferentialDeflate, AFinalBlockInAMessagesFirstFrameIsBeastsFindingToo) {
  // 03 00: an empty final block, in a frame that does not end its message;
  // then a reserved opcode. Beast's read fails at the final block (1006).
  const auto c = deflated(std::string("\x41\x02\x03\x00\x87\x00", 6));
  EXPECT_EQ(receive_in_simulation(c, "reference").code, 1002);
  EXPECT_EQ(receive_in_simulation(c, "beast").code, 1006);
  EXPECT_EQ(compare_with_beast(c).exception, "finding: beast-drops-message-ending-in-final-deflate-block");
  // Without the final block Beast sees the reserved opcode too.
  EXPECT_EQ(compare_with_beast(deflated(std::string("\x41\x01\x00\x87\x00", 5))).difference, "");
}

TEST(DifferentialDeflate, APlantedVariantDiffersWithoutExceptionOnACompressedBurst) {
  wire::deflater z(false, 15);
  const auto c = deflated(compressed_frame(z, wire::opcode::text, "a") + close_1000);
  EXPECT_EQ(compare_with_beast(c).difference, "");
  const auto r = compare_with_beast(c, "ws14-closed-before-drain");
  EXPECT_NE(r.difference.find("messages differ"), std::string::npos) << r.difference;
  EXPECT_EQ(r.exception, "");
}

}  // namespace
}  // namespace lastword::impls

namespace lastword::impls {
namespace {

// Inputs the differential fuzzer found with permessage-deflate, kept in its
// corpus; each difference is named for what it is.
differential_case from_corpus(const std::string& name) {
  std::ifstream in(std::string(LASTWORD_CORPUS_DIR) + "/differential/" + name, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(bytes.empty()) << name;
  return differential_case_from_bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

TEST(DifferentialDeflate, FoundInputsAreNamedForWhatTheyAre) {
  const std::pair<const char*, const char*> cases[] = {
      {"regression-deflate-final-block-text-not-utf8", "finding: beast-drops-message-ending-in-final-deflate-block"},
      {"regression-deflate-bad-data-beast-1009", "bad-deflate-data-code"},
      {"regression-deflate-ending-inside-a-block", "finding: beast-delivers-deflate-data-ending-inside-a-block"},
      {"regression-deflate-inflated-too-big-in-unfinished-frame", "inflated-too-big-in-unfinished-frame"},
      // The stream ends inside a compressed frame whose bytes so far do not
      // inflate: Beast 1007 as they arrive, lastword EOF first (1006; seed 43).
      {"regression-deflate-bad-data-in-unfinished-frame", "bad-deflate-data-in-unfinished-frame"},
      // A compressed frame with a 64-bit length whose top bit is set:
      // lastword 1002 on the header; Beast inflates the bytes that follow
      // and fails on them (1007; seed 49).
      {"regression-deflate-top-bit-length-bad-data", "top-bit-length-bad-deflate-data"},
      {"regression-deflate-compressed-frame-over-limit", "compressed-frame-over-limit"},
      // A BFINAL block in a message's first frames: Beast's read fails there
      // (1006); lastword goes on and fails on a reserved opcode (1002).
      {"regression-deflate-final-block-in-unfinished-message",
       "finding: beast-drops-message-ending-in-final-deflate-block"},
      // A message's first frame inflates past the size limit (34 of 32
      // bytes) up to a BFINAL block: lastword 1009, Beast's read fails at
      // the final block before it checks the size (1006).
      {"regression-deflate-final-block-past-the-limit", "finding: beast-drops-message-ending-in-final-deflate-block"},
      // The same where lastword finds the text not UTF-8 two frames before
      // the message's final frame ends a BFINAL block (seed 30).
      {"regression-deflate-not-utf8-then-final-block", "finding: beast-drops-message-ending-in-final-deflate-block"},
      // Text that is not UTF-8 as far as it inflated, in a message the
      // stream ends inside: lastword 1007 at once, Beast 1006 at the end.
      {"regression-deflate-not-utf8-in-unfinished-message", "not-utf8-in-unfinished-message"},
      // The same, then a frame with reserved bits: Beast fails on its
      // header (1002) before it inflates the byte that is not UTF-8.
      {"regression-deflate-not-utf8-then-reserved-bits", "not-utf8-in-unfinished-message"},
      // ... or a close frame with RSV1 set (1002 again).
      {"regression-deflate-not-utf8-then-bad-close-frame", "not-utf8-in-unfinished-message"},
      // ... or a close frame without a code: Beast reports 1005 ("no
      // status"). Found by a build without sanitizers, at 3x the runs.
      {"regression-deflate-not-utf8-then-close-without-code", "not-utf8-in-unfinished-message"},
      // ... or a close frame with a code from 5000 up, which Beast accepts
      // (59713 here) where lastword would fail the connection.
      {"regression-deflate-not-utf8-then-close-code-over-4999", "not-utf8-in-unfinished-message"},
      // ... or a close frame whose reason is not UTF-8 (it ends in a lead
      // byte): Beast fails the connection with its code for that, 1002.
      // Found by a build without sanitizers (seed 5).
      {"regression-deflate-not-utf8-then-close-reason-not-utf8", "not-utf8-in-unfinished-message"},
      // ... or its final frame inflates past the size limit (16): Beast
      // held back the byte that is not UTF-8 and fails with 1009 (seed 13).
      {"regression-deflate-not-utf8-then-too-big", "not-utf8-in-unfinished-message"},
      // ... or its next frame is compressed past the size limit (46 of 16
      // bytes, lastword 1009), which Beast inflates instead: its data is
      // bad and Beast drops the connection (1006; seed 15).
      {"regression-deflate-not-utf8-then-compressed-frame-over-limit", "not-utf8-in-unfinished-message"},
      // ... or the stream ends inside its final frame, which already
      // inflates past the limit: Beast, inflating as it arrives, 1009 (seed 21).
      {"regression-deflate-not-utf8-then-unfinished-frame-too-big", "not-utf8-in-unfinished-message"},
      // ... or its final frame does not inflate: Beast drops the connection
      // (1006, its bad-deflate finding; seeds 24 and 27).
      {"regression-deflate-not-utf8-then-bad-data",
       "not-utf8-in-unfinished-message; finding: beast-bad-deflate-data-without-close-frame"},
      // Data that does not inflate in the second frame of a message that
      // never ends: lastword 1007 at once; Beast reports the close frame
      // that follows, 1001 or (a code from 5000 up, which it accepts)
      // 59110. Found by a build without sanitizers (seeds 8 and 7).
      {"regression-deflate-bad-data-then-close", "bad-deflate-data-in-unfinished-message"},
      {"regression-deflate-bad-data-then-close-code-over-4999", "bad-deflate-data-in-unfinished-message"},
      // The second frame inflates past the size limit (17 of 16 bytes):
      // lastword 1009 at once; Beast fails on the reserved opcode of the
      // frame after it (1002; seed 14).
      {"regression-deflate-too-big-then-reserved-opcode", "inflated-too-big-in-unfinished-message"},
      // A frame inflating to 33 bytes (limit 32) whose text is not UTF-8:
      // lastword 1009, Beast 1007 (seeds 6 and 11).
      {"regression-deflate-too-big-and-not-utf8", "inflated-too-big-and-not-utf8"},
      {"regression-deflate-too-big-and-not-utf8-then-more", "inflated-too-big-and-not-utf8"},
      // A frame that inflates past the size limit (33 of 32 bytes), then
      // does not inflate: lastword 1009 at the limit, Beast 1006 at the
      // bad data (found by the nightly run with the no-sanitizer build).
      {"regression-deflate-too-big-then-bad-data", "finding: beast-bad-deflate-data-without-close-frame"},
      // The peer broke no_context_takeover, and the message it sent so
      // stops inside a DEFLATE block: lastword 1 message then 1007, Beast 2
      // then 1006 (the close frame after it is cut short).
      {"regression-deflate-peer-breaks-no-context-takeover",
       "peer-broke-no-context-takeover; finding: beast-delivers-deflate-data-ending-inside-a-block"},
  };
  for (const auto& [file, name] : cases) {
    const auto c = from_corpus(file);
    EXPECT_TRUE(c.deflate) << file;
    const auto r = compare_with_beast(c);
    EXPECT_NE(r.difference, "") << file;
    EXPECT_EQ(r.exception, name) << file << "\n" << r.difference;
  }
}

}  // namespace
}  // namespace lastword::impls
