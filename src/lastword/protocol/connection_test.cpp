#include "lastword/protocol/connection.hpp"

#include <gtest/gtest.h>

#include "lastword/wire/test_support.hpp"

namespace lastword::protocol {
namespace {

using wire::opcode;
using wire::testing::bytes;
using wire::testing::decode_all;
using wire::testing::masked_frame;
using wire::testing::unmasked_frame;

wire::mask_source fixed_masks() {
  return [] { return wire::mask_key{0x37, 0xfa, 0x21, 0x3d}; };
}

connection client() { return connection(options{.local_role = wire::role::client}, fixed_masks()); }
connection server() { return connection(options{.local_role = wire::role::server}); }

std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  return unmasked_frame(opcode::close, true, wire::encode_close_payload(code, reason));
}

// Frames a client wrote, as the server would read them.
std::vector<wire::frame> written_by_client(connection& c) {
  return decode_all(c.take_output(), {wire::role::server, 1 << 20, 1 << 20}).frames;
}
std::vector<wire::frame> written_by_server(connection& c) {
  return decode_all(c.take_output(), {wire::role::client, 1 << 20, 1 << 20}).frames;
}

TEST(Protocol, ReceivedFramesBecomeEventsInOrder) {
  auto c = client();
  c.receive_data(unmasked_frame(opcode::text, true, "one") + unmasked_frame(opcode::binary, true, "two"));
  const auto events = c.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "one");
  EXPECT_EQ(events[1].op, opcode::binary);
  EXPECT_TRUE(c.take_events().empty());
}

TEST(Protocol, PingIsAnsweredWithPongOfSamePayload) {
  auto c = client();
  c.receive_data(unmasked_frame(opcode::ping, true, "are you there"));
  const auto sent = written_by_client(c);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], (wire::frame{opcode::pong, true, "are you there"}));
}

TEST(Protocol, ClientMasksWithTheInjectedKey) {
  auto c = client();
  ASSERT_FALSE(c.send_text("Hello"));
  EXPECT_EQ(c.take_output(), masked_frame(opcode::text, true, "Hello"));
}

TEST(Protocol, PeerCloseIsEchoedWithItsCode) {
  auto c = client();
  c.receive_data(close_frame(1001, "bye"));
  const auto sent = written_by_client(c);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].op, opcode::close);
  EXPECT_EQ(sent[0].payload, wire::encode_close_payload(1001, ""));
  EXPECT_EQ(c.current_state(), state::closed);
  EXPECT_EQ(c.end_of_input(), input_end::close_frame);
}

TEST(Protocol, EmptyPeerCloseIsEchoedEmpty) {
  auto c = client();
  c.receive_data(unmasked_frame(opcode::close, true, ""));
  const auto sent = written_by_client(c);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, "");
  EXPECT_EQ(c.status().code, wire::close_code::no_status_received);
  EXPECT_TRUE(c.status().normal);
}

TEST(Protocol, ClientWaitsForServerToCloseTcpAfterHandshake) {
  auto c = client();
  c.receive_data(close_frame(1000));
  EXPECT_TRUE(c.close_expected());
  EXPECT_FALSE(c.output_ended());
  c.receive_eof();
  EXPECT_FALSE(c.close_expected());
  EXPECT_TRUE(c.output_ended());
  const auto s = c.status();
  EXPECT_EQ(s.code, 1000);
  EXPECT_TRUE(s.handshake_completed);
  EXPECT_TRUE(s.normal);
}

TEST(Protocol, ServerClosesTcpAfterHandshake) {
  auto s = server();
  s.receive_data(masked_frame(opcode::close, true, wire::encode_close_payload(1000, "")));
  EXPECT_TRUE(s.output_ended());
  EXPECT_EQ(written_by_server(s).at(0).op, opcode::close);
}

TEST(Protocol, DataFramesInClosingAreStillReceived) {
  auto c = client();
  ASSERT_FALSE(c.send_close(1000, "done"));
  EXPECT_EQ(c.current_state(), state::closing);
  EXPECT_TRUE(c.close_expected());
  c.receive_data(unmasked_frame(opcode::text, true, "late but received") + close_frame(1000));
  const auto events = c.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "late but received");
  EXPECT_EQ(events[1].op, opcode::close);
  EXPECT_EQ(c.current_state(), state::closed);
  // Our close was sent once, when asked; the peer's close is not echoed.
  EXPECT_EQ(written_by_client(c).size(), 1u);
  EXPECT_TRUE(c.status().handshake_completed);
}

TEST(Protocol, PingInClosingIsNotAnswered) {
  auto c = client();
  ASSERT_FALSE(c.send_close());
  c.take_output();
  c.receive_data(unmasked_frame(opcode::ping, true, "x"));
  EXPECT_EQ(c.take_output(), "");
  EXPECT_EQ(c.take_events().size(), 1u);
}

TEST(Protocol, BytesAfterPeerCloseAreDiscarded) {
  auto c = client();
  c.receive_data(unmasked_frame(opcode::text, true, "before") + close_frame(1000) +
                 unmasked_frame(opcode::text, true, "after") + "\xff\xff");
  const auto events = c.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, "before");
  EXPECT_EQ(c.bytes_discarded(), 9u);
  c.receive_data(unmasked_frame(opcode::text, true, "later"));
  EXPECT_TRUE(c.take_events().empty());
}

TEST(Protocol, ProtocolErrorFailsWith1002AndSendsClose) {
  auto c = client();
  c.receive_data(unmasked_frame(opcode::text, true, "ok") + bytes({0x83, 0x00}) +
                 unmasked_frame(opcode::text, true, "never"));
  const auto events = c.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(c.end_of_input(), input_end::failed);
  EXPECT_EQ(c.protocol_error(), wire::error::unknown_opcode);
  EXPECT_TRUE(c.output_ended());
  const auto sent = written_by_client(c);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, wire::encode_close_payload(1002, ""));
  const auto s = c.status();
  EXPECT_EQ(s.code, 1002);
  EXPECT_FALSE(s.handshake_completed);
  EXPECT_FALSE(s.normal);
}

TEST(Protocol, InvalidUtf8FailsWith1007) {
  auto c = client();
  c.receive_data(bytes({0x81, 0x01, 0xff}));
  EXPECT_EQ(c.status().code, 1007);
}

TEST(Protocol, OversizedMessageFailsWith1009) {
  connection c(options{.local_role = wire::role::client, .max_frame_size = 16, .max_message_size = 16}, fixed_masks());
  c.receive_data(bytes({0x82, 0x11}));
  EXPECT_EQ(c.status().code, 1009);
}

TEST(Protocol, FirstErrorWins) {
  auto c = client();
  c.receive_data(bytes({0x83, 0x00}));
  c.fail(1011);
  c.receive_eof();
  EXPECT_EQ(c.status().code, 1002);
  EXPECT_EQ(c.end_of_input(), input_end::failed);
}

TEST(Protocol, ProtocolErrorInClosingSendsNoSecondClose) {
  auto c = client();
  ASSERT_FALSE(c.send_close(1000));
  c.take_output();
  c.receive_data(bytes({0x83, 0x00}));
  EXPECT_EQ(c.take_output(), "");
  EXPECT_EQ(c.status().code, 1002);
}

TEST(Protocol, EofWithoutCloseIs1006) {
  auto c = client();
  c.receive_data(unmasked_frame(opcode::text, true, "kept"));
  c.receive_eof();
  EXPECT_EQ(c.take_events().size(), 1u);
  EXPECT_EQ(c.end_of_input(), input_end::eof);
  EXPECT_EQ(c.status().code, 1006);
  EXPECT_FALSE(c.status().normal);
  EXPECT_EQ(c.receive_data("x"), misuse::data_after_eof);
}

TEST(Protocol, AbortEndsInputAndOutputWithoutSending) {
  auto c = client();
  ASSERT_FALSE(c.send_close());
  c.take_output();
  c.abort();
  EXPECT_EQ(c.take_output(), "");
  EXPECT_TRUE(c.output_ended());
  EXPECT_EQ(c.status().code, 1006);
}

TEST(Protocol, SendingAfterCloseIsRefusedAndChangesNothing) {
  auto c = client();
  ASSERT_FALSE(c.send_close(1000));
  c.take_output();
  EXPECT_EQ(c.send_text("x"), misuse::not_open);
  EXPECT_EQ(c.send_binary("x"), misuse::not_open);
  EXPECT_EQ(c.send_ping("x"), misuse::not_open);
  EXPECT_EQ(c.send_close(1000), misuse::not_open);
  EXPECT_EQ(c.take_output(), "");
  EXPECT_EQ(c.current_state(), state::closing);
}

TEST(Protocol, InvalidApplicationCloseIsRefusedAndChangesNothing) {
  auto c = client();
  EXPECT_EQ(c.send_close(1006), misuse::invalid_close_code);
  EXPECT_EQ(c.send_close(999), misuse::invalid_close_code);
  EXPECT_EQ(c.send_close(1000, std::string(124, 'r')), misuse::invalid_close_reason);
  EXPECT_EQ(c.send_close(1000, "\xff"), misuse::invalid_close_reason);
  EXPECT_EQ(c.take_output(), "");
  EXPECT_EQ(c.current_state(), state::open);
  EXPECT_FALSE(c.send_close(4000, std::string(123, 'r')));
}

TEST(Protocol, FragmentedSendsFollowSection54) {
  auto c = client();
  EXPECT_EQ(c.send_continuation("x", true), misuse::no_message_to_continue);
  ASSERT_FALSE(c.send_text("caf\xc3", false));
  EXPECT_EQ(c.send_binary("y"), misuse::message_in_progress);
  ASSERT_FALSE(c.send_ping("between fragments"));
  EXPECT_EQ(c.send_continuation("\xff", true), misuse::invalid_utf8);
  ASSERT_FALSE(c.send_continuation("\xa9", true));
  const auto sent = written_by_client(c);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2], (wire::frame{opcode::continuation, true, "\xa9"}));
}

TEST(Protocol, TextThatIsNotUtf8IsRefused) {
  auto c = client();
  EXPECT_EQ(c.send_text("\xc3\x28"), misuse::invalid_utf8);
  EXPECT_EQ(c.send_text("\xc3", true), misuse::invalid_utf8);
  EXPECT_EQ(c.take_output(), "");
}

TEST(Protocol, FailSendsCloseWithCodeAndEnds) {
  auto s = server();
  s.fail(1011, "internal");
  const auto sent = written_by_server(s);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, wire::encode_close_payload(1011, "internal"));
  EXPECT_EQ(s.status().code, 1011);
  EXPECT_TRUE(s.output_ended());
}

}  // namespace
}  // namespace lastword::protocol
