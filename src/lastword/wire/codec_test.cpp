#include "lastword/wire/codec.hpp"

#include <gtest/gtest.h>

#include "lastword/wire/close.hpp"
#include "lastword/wire/error.hpp"
#include "lastword/wire/test_support.hpp"

namespace lastword::wire {
namespace {

using testing::bytes;
using testing::decode_all;
using testing::masked_frame;
using testing::unmasked_frame;

const decoder_options as_client{role::client, 1 << 20, 1 << 20};
const decoder_options as_server{role::server, 1 << 20, 1 << 20};

// --- RFC 6455 section 5.7, byte for byte --------------------------------------

TEST(Rfc6455Examples, SingleFrameUnmaskedText) {
  const std::string wire = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  EXPECT_EQ(unmasked_frame(opcode::text, true, "Hello"), wire);
  const auto d = decode_all(wire, as_client);
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_EQ(d.frames[0], (frame{opcode::text, true, "Hello"}));
}

TEST(Rfc6455Examples, SingleFrameMaskedText) {
  const std::string wire =
      bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  EXPECT_EQ(masked_frame(opcode::text, true, "Hello"), wire);
  const auto d = decode_all(wire, as_server);
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_EQ(d.frames[0], (frame{opcode::text, true, "Hello"}));
}

TEST(Rfc6455Examples, FragmentedUnmaskedText) {
  const std::string wire = bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f});
  EXPECT_EQ(unmasked_frame(opcode::text, false, "Hel") + unmasked_frame(opcode::continuation, true, "lo"),
            wire);
  const auto d = decode_all(wire, as_client);
  ASSERT_FALSE(d.error);
  ASSERT_EQ(d.frames.size(), 2u);
  EXPECT_EQ(d.frames[0], (frame{opcode::text, false, "Hel"}));
  EXPECT_EQ(d.frames[1], (frame{opcode::continuation, true, "lo"}));
}

TEST(Rfc6455Examples, UnmaskedPingAndMaskedPong) {
  const std::string ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  const std::string pong = bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  EXPECT_EQ(unmasked_frame(opcode::ping, true, "Hello"), ping);
  EXPECT_EQ(masked_frame(opcode::pong, true, "Hello"), pong);
  EXPECT_EQ(decode_all(ping, as_client).frames.at(0), (frame{opcode::ping, true, "Hello"}));
  EXPECT_EQ(decode_all(pong, as_server).frames.at(0), (frame{opcode::pong, true, "Hello"}));
}

TEST(Rfc6455Examples, BinaryWith16BitLength) {
  const std::string payload(256, '\x5a');
  const std::string wire = bytes({0x82, 0x7E, 0x01, 0x00}) + payload;
  EXPECT_EQ(unmasked_frame(opcode::binary, true, payload), wire);
  EXPECT_EQ(decode_all(wire, as_client).frames.at(0).payload, payload);
}

TEST(Rfc6455Examples, BinaryWith64BitLength) {
  const std::string payload(65536, '\x11');
  const std::string wire = bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}) + payload;
  EXPECT_EQ(unmasked_frame(opcode::binary, true, payload), wire);
  EXPECT_EQ(decode_all(wire, as_client).frames.at(0).payload, payload);
}

// --- one test per rule, exact error code and close code ----------------------

struct rule_case {
  const char* name;
  std::string input;
  decoder_options options;
  error expected;
  std::uint16_t close_code;
};

class DecoderRule : public ::testing::TestWithParam<rule_case> {};

TEST_P(DecoderRule, FailsTheConnectionWithTheRightCode) {
  const rule_case& c = GetParam();
  for (std::size_t piece : {0u, 1u, 3u}) {
    const auto d = decode_all(c.input, c.options, piece);
    EXPECT_EQ(d.error, c.expected) << "piece " << piece << ": " << d.error.message();
    EXPECT_EQ(close_code_for(d.error), c.close_code);
  }
}

decoder_options small_limits(std::uint64_t frame, std::uint64_t message) {
  return {role::client, frame, message};
}

INSTANTIATE_TEST_SUITE_P(
    Rfc6455, DecoderRule,
    ::testing::Values(
        rule_case{"Rsv1WithoutExtension", bytes({0xC1, 0x00}), as_client, error::reserved_bits_set, 1002},
        rule_case{"Rsv2WithoutExtension", bytes({0xA1, 0x00}), as_client, error::reserved_bits_set, 1002},
        rule_case{"Rsv3WithoutExtension", bytes({0x91, 0x00}), as_client, error::reserved_bits_set, 1002},
        rule_case{"ReservedDataOpcode", bytes({0x83, 0x00}), as_client, error::unknown_opcode, 1002},
        rule_case{"ReservedControlOpcode", bytes({0x8B, 0x00}), as_client, error::unknown_opcode, 1002},
        rule_case{"UnmaskedFrameToServer", bytes({0x81, 0x00}), as_server, error::mask_required, 1002},
        rule_case{"MaskedFrameToClient", bytes({0x81, 0x80, 1, 2, 3, 4}), as_client, error::mask_forbidden, 1002},
        rule_case{"ControlFrameOver125", bytes({0x89, 0x7E, 0x00, 0x7E}), as_client, error::control_frame_too_long, 1002},
        rule_case{"FragmentedPing", bytes({0x09, 0x00}), as_client, error::control_frame_fragmented, 1002},
        rule_case{"FragmentedClose", bytes({0x08, 0x00}), as_client, error::control_frame_fragmented, 1002},
        rule_case{"LengthTopBitSet", bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1}), as_client, error::length_top_bit_set, 1002},
        rule_case{"NonMinimal16BitLength", bytes({0x82, 0x7E, 0x00, 0x05}), as_client, error::non_minimal_length, 1002},
        rule_case{"NonMinimal64BitLength", bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0x01, 0x00}), as_client, error::non_minimal_length, 1002},
        rule_case{"ContinuationWithoutStart", bytes({0x80, 0x00}), as_client, error::continuation_without_start, 1002},
        rule_case{"TextInsideFragmentedMessage", bytes({0x01, 0x00, 0x81, 0x00}), as_client, error::data_frame_inside_message, 1002},
        rule_case{"BinaryInsideFragmentedMessage", bytes({0x02, 0x00, 0x82, 0x00}), as_client, error::data_frame_inside_message, 1002},
        rule_case{"ClosePayloadOfOneByte", bytes({0x88, 0x01, 0x03}), as_client, error::close_payload_one_byte, 1002},
        rule_case{"CloseCode1005", bytes({0x88, 0x02, 0x03, 0xED}), as_client, error::invalid_close_code, 1002},
        rule_case{"CloseCode999", bytes({0x88, 0x02, 0x03, 0xE7}), as_client, error::invalid_close_code, 1002},
        rule_case{"CloseReasonNotUtf8", bytes({0x88, 0x04, 0x03, 0xE8, 0xC3, 0x28}), as_client, error::invalid_close_reason_utf8, 1007},
        rule_case{"TextNotUtf8", bytes({0x81, 0x02, 0xC3, 0x28}), as_client, error::invalid_utf8, 1007},
        rule_case{"TextEndsInsideCodePoint", bytes({0x01, 0x01, 0xE2, 0x80, 0x01, 0x82}), as_client, error::invalid_utf8, 1007},
        rule_case{"FrameOverLimit", bytes({0x82, 0x7E, 0x01, 0x00}), small_limits(255, 1000), error::frame_too_big, 1009},
        rule_case{"MessageOverLimit", bytes({0x02, 0x7E, 0x00, 0xC8}) + std::string(200, 'x') + bytes({0x80, 0x7E, 0x00, 0xC8}),
                  small_limits(300, 300), error::message_too_big, 1009}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Decoder, SizeLimitIsCheckedFromTheHeaderBeforeAnyPayload) {
  // A 2^62-byte frame header with no payload: the limit fires at once,
  // before a single payload byte arrives (no allocation attempted).
  frame_decoder d(small_limits(1000, 1000));
  const std::string header = bytes({0x82, 0x7F, 0x40, 0, 0, 0, 0, 0, 0, 0});
  std::string_view in = header;
  frame f;
  EXPECT_EQ(d.decode(in, f), frame_decoder::status::failed);
  EXPECT_EQ(d.error(), error::frame_too_big);
  EXPECT_EQ(d.bytes_consumed(), 10u);
}

TEST(Decoder, InvalidUtf8FailsBeforeTheFrameEnds) {
  frame_decoder d(as_client);
  std::string_view in("\x81\x0A" "ab\xff" "cd", 7);  // 10-byte frame, 5 bytes sent
  frame f;
  EXPECT_EQ(d.decode(in, f), frame_decoder::status::failed);
  EXPECT_EQ(d.error(), error::invalid_utf8);
  EXPECT_EQ(d.bytes_consumed(), 5u);  // just past the 0xff
}

TEST(Decoder, Utf8SplitAcrossFragmentsIsValid) {
  const std::string wire = unmasked_frame(opcode::text, false, "\xe2") +
                           unmasked_frame(opcode::continuation, false, "\x82") +
                           unmasked_frame(opcode::continuation, true, "\xac");
  const auto d = decode_all(wire, as_client);
  EXPECT_FALSE(d.error);
  EXPECT_EQ(d.frames.size(), 3u);
}

TEST(Decoder, ControlFramesBetweenFragmentsAreAllowed) {
  const std::string wire = unmasked_frame(opcode::binary, false, "a") +
                           unmasked_frame(opcode::ping, true, "p") +
                           unmasked_frame(opcode::pong, true, "") +
                           unmasked_frame(opcode::continuation, true, "b");
  const auto d = decode_all(wire, as_client);
  EXPECT_FALSE(d.error);
  ASSERT_EQ(d.frames.size(), 4u);
  EXPECT_EQ(d.frames[1].op, opcode::ping);
}

TEST(Decoder, NeedMoreIsNotAnError) {
  frame_decoder d(as_client);
  std::string_view in = "\x81\x05Hel";
  frame f;
  EXPECT_EQ(d.decode(in, f), frame_decoder::status::need_more);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(d.error());
  EXPECT_FALSE(d.at_frame_boundary());
}

TEST(Decoder, FailureIsStickyAndConsumesNothingMore) {
  frame_decoder d(as_client);
  std::string_view in("\x83\x00\x81\x00", 4);
  frame f;
  EXPECT_EQ(d.decode(in, f), frame_decoder::status::failed);
  const auto left = in.size();
  EXPECT_EQ(d.decode(in, f), frame_decoder::status::failed);
  EXPECT_EQ(in.size(), left);
}

TEST(Decoder, EverySplitGivesTheSameFrames) {
  std::string wire = unmasked_frame(opcode::text, false, "caf\xc3") +
                     unmasked_frame(opcode::ping, true, "x") +
                     unmasked_frame(opcode::continuation, true, "\xa9!") +
                     unmasked_frame(opcode::binary, true, std::string(300, 'b')) +
                     unmasked_frame(opcode::close, true, encode_close_payload(1000, "bye"));
  const auto whole = decode_all(wire, as_client);
  ASSERT_FALSE(whole.error);
  for (std::size_t piece = 1; piece < 20; ++piece) {
    const auto split = decode_all(wire, as_client, piece);
    EXPECT_EQ(split.frames, whole.frames) << piece;
    EXPECT_FALSE(split.error);
  }
}

TEST(Encoder, HeaderFieldsCanWriteAnyHeader) {
  std::string out;
  header_fields h;
  h.opcode = 0x2;
  h.rsv2 = true;
  h.length = 5;
  h.extended_length_bytes = 8;
  encode_header(out, h);
  EXPECT_EQ(out, bytes({0xA2, 0x7F, 0, 0, 0, 0, 0, 0, 0, 5}));
}

}  // namespace
}  // namespace lastword::wire
