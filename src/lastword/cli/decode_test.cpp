#include "lastword/cli/decode.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace lastword::cli {
namespace {

struct result {
  int code;
  std::string out, err;
};

result decode(std::vector<std::string> args, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  const int code = run_decode(args, in, out, err);
  return {code, out.str(), err.str()};
}

TEST(DecodeCommand, ValidStreamPrintsFramesAndExits0) {
  const auto r = decode({"--hex"}, "81 05 48656c6c6f  88 02 03e8");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("frame 1: text fin=1 len=5 \"Hello\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("frame 2: close fin=1 len=2 code=1000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sent: close code=1000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("closing handshake completed (normal closure)"), std::string::npos) << r.out;
}

TEST(DecodeCommand, RawInputIsDecoded) {
  const auto r = decode({}, std::string("\x89\x00", 2));
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("frame 1: ping"), std::string::npos);
  EXPECT_NE(r.out.find("sent: pong len=0"), std::string::npos);
  EXPECT_NE(r.out.find("without a close frame"), std::string::npos);
}

TEST(DecodeCommand, ProtocolErrorExits1WithCloseCode) {
  const auto r = decode({"--role", "server", "--hex"}, "81 05 48656c6c6f");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("[mask_required]: fail the connection with close code 1002"),
            std::string::npos)
      << r.out;
}

TEST(DecodeCommand, StreamEndingInsideAFrameExits1) {
  const auto r = decode({"--hex"}, "81 05 48");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("ends inside a frame"), std::string::npos) << r.out;
}

TEST(DecodeCommand, BytesAfterCloseAreReportedAsDiscarded) {
  const auto r = decode({"--hex"}, "88 00 81 01 41");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("3 bytes after the end of input were discarded"), std::string::npos) << r.out;
}

TEST(DecodeCommand, BadHexExits2WithLineAndColumn) {
  const auto r = decode({"--hex"}, "81 05\n48 6z");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 2, column 5: 'z' is not a hex digit"), std::string::npos) << r.err;
}

TEST(DecodeCommand, OddHexDigitsExit2) {
  const auto r = decode({"--hex"}, "81 0");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("odd number of hex digits"), std::string::npos) << r.err;
}

TEST(DecodeCommand, BadArgumentsExit2) {
  EXPECT_EQ(decode({"--role"}, "").code, 2);
  EXPECT_EQ(decode({"--role", "peer"}, "").code, 2);
  EXPECT_EQ(decode({"--max-size", "0"}, "").code, 2);
  EXPECT_EQ(decode({"--max-size", "12x"}, "").code, 2);
  EXPECT_EQ(decode({"--frobnicate"}, "").code, 2);
  EXPECT_EQ(decode({"a", "b"}, "").code, 2);
  EXPECT_EQ(decode({"/nonexistent/stream"}, "").code, 2);
}

TEST(DecodeCommand, MaxSizeIsEnforced) {
  const auto r = decode({"--hex", "--max-size", "4"}, "82 05 0102030405");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("close code 1009"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace lastword::cli
