#include "lastword/wire/close.hpp"

#include <gtest/gtest.h>

#include "lastword/wire/error.hpp"

namespace lastword::wire {
namespace {

TEST(CloseCode, AutobahnValidCodesAreAccepted) {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
    EXPECT_TRUE(is_valid_close_code(static_cast<std::uint16_t>(code))) << code;
}

TEST(CloseCode, AutobahnInvalidCodesAreRejected) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    EXPECT_FALSE(is_valid_close_code(static_cast<std::uint16_t>(code))) << code;
}

TEST(ClosePayload, EmptyMeansNoStatusReceived) {
  close_payload p{1000, "x"};
  EXPECT_FALSE(parse_close_payload("", p));
  EXPECT_EQ(p.code, close_code::no_status_received);
  EXPECT_EQ(p.reason, "");
}

TEST(ClosePayload, CodeAndReasonRoundTrip) {
  const std::string encoded = encode_close_payload(1001, "going \xc3\xa0 bed");
  close_payload p;
  ASSERT_FALSE(parse_close_payload(encoded, p));
  EXPECT_EQ(p.code, 1001);
  EXPECT_EQ(p.reason, "going \xc3\xa0 bed");
  EXPECT_EQ(encoded.substr(0, 2), std::string("\x03\xe9", 2));
}

TEST(ClosePayload, OneByteIsAProtocolError) {
  close_payload p;
  EXPECT_EQ(parse_close_payload("\x03", p), error::close_payload_one_byte);
  EXPECT_EQ(close_code_for(error::close_payload_one_byte), 1002);
}

TEST(ClosePayload, CodeNeverSentIsRejected) {
  close_payload p;
  EXPECT_EQ(parse_close_payload(std::string("\x03\xed", 2), p), error::invalid_close_code);  // 1005
  EXPECT_EQ(parse_close_payload(std::string("\x03\xee", 2), p), error::invalid_close_code);  // 1006
}

TEST(ClosePayload, InvalidUtf8ReasonFailsWith1007) {
  close_payload p;
  const auto ec = parse_close_payload(std::string("\x03\xe8\xff", 3), p);
  EXPECT_EQ(ec, error::invalid_close_reason_utf8);
  EXPECT_EQ(close_code_for(ec), 1007);
}

}  // namespace
}  // namespace lastword::wire
