#include "lastword/protocol/receive_check.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "lastword/impls/protocol_variants.hpp"
#include "lastword/wire/test_support.hpp"

namespace lastword::protocol {
namespace {

using wire::opcode;
using wire::testing::unmasked_frame;

std::vector<std::string> seed_corpus() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(LASTWORD_CORPUS_DIR "/protocol_receive")) {
    std::ifstream in(e.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

receive_case closing_case() {
  receive_case c;
  c.opts.local_role = wire::role::client;
  c.close_first = true;
  c.stream = unmasked_frame(opcode::text, true, "sent before the peer saw our close") +
             unmasked_frame(opcode::close, true, wire::encode_close_payload(1000, ""));
  c.splits = {3, 1, 40};
  return c;
}

TEST(ReceiveCheck, ReferencePassesTheClosingCase) {
  EXPECT_EQ(check_receive(closing_case(), make_reference_receiver), "");
}

TEST(ReceiveCheck, CatchesTungsteniteClosingDropsData) {
  const std::string v = check_receive(closing_case(), impls::make_tungstenite_closing_drops_data);
  EXPECT_NE(v.find("differ from the frames received before the end of input"), std::string::npos) << v;
}

TEST(ReceiveCheck, ReferencePassesEverySeed) {
  const auto seeds = seed_corpus();
  ASSERT_GE(seeds.size(), 10u);
  for (const auto& s : seeds) {
    const auto c = receive_case_from_bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    EXPECT_EQ(check_receive(c, make_reference_receiver), "");
  }
}

// The fuzz target's oracle catches the planted bug from its own seed corpus.
TEST(ReceiveCheck, FuzzSeedCorpusCatchesTungsteniteClosingDropsData) {
  int caught = 0;
  for (const auto& s : seed_corpus()) {
    const auto c = receive_case_from_bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    if (!check_receive(c, impls::make_tungstenite_closing_drops_data).empty()) ++caught;
  }
  EXPECT_GT(caught, 0);
}

TEST(ReceiveCheck, CaseDecodingIsTotal) {
  for (std::size_t n = 0; n < 4; ++n) {
    const std::uint8_t bytes[3] = {0xff, 0xff, 0x81};
    const auto c = receive_case_from_bytes(bytes, n);
    EXPECT_EQ(c.stream.size(), n > 2 ? n - 2 : 0);
  }
}

}  // namespace
}  // namespace lastword::protocol
