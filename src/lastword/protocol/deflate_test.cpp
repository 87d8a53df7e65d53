// permessage-deflate in the Sans-I/O connection (RFC 7692).
#include <gtest/gtest.h>

#include "lastword/protocol/connection.hpp"
#include "lastword/wire/deflate.hpp"

namespace lastword::protocol {
namespace {

// A server's frame with RSV1 set when `compressed`.
std::string server_frame(wire::opcode op, bool fin, std::string_view payload, bool compressed) {
  std::string out;
  wire::header_fields h;
  h.fin = fin;
  h.rsv1 = compressed;
  h.opcode = static_cast<std::uint8_t>(op);
  h.length = payload.size();
  wire::encode_header(out, h);
  out.append(payload);
  return out;
}

wire::mask_source fixed_masks() {
  return [] { return wire::mask_key{1, 2, 3, 4}; };
}

connection client_with_deflate(std::uint64_t max_size = 1 << 20) {
  options o;
  o.local_role = wire::role::client;
  o.max_message_size = max_size;
  o.max_frame_size = max_size;
  o.deflate = wire::deflate_params{};
  return connection(o, fixed_masks());
}

TEST(ConnectionDeflate, CompressedMessageArrivesInflated) {
  auto c = client_with_deflate();
  wire::deflater z(false, 15);
  // In order: the second message is compressed with the first's context.
  const std::string first = z.compress("hello hello");
  const std::string second = z.compress("hello again");
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::text, true, first, true) +
                              server_frame(wire::opcode::text, true, second, true) +
                              server_frame(wire::opcode::binary, true, "plain", false)));
  const auto ev = c.take_events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].payload, "hello hello");
  EXPECT_EQ(ev[1].payload, "hello again");  // with the context taken over
  EXPECT_EQ(ev[2].payload, "plain");        // RSV1 clear: not compressed
}

TEST(ConnectionDeflate, FragmentedCompressedMessageInflatesAcrossFrames) {
  auto c = client_with_deflate();
  wire::deflater z(false, 15);
  const std::string packed = z.compress(std::string(5000, 'q') + "end");
  const std::size_t half = packed.size() / 2;
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::text, false, packed.substr(0, half), true) +
                              server_frame(wire::opcode::continuation, true, packed.substr(half), false)));
  std::string whole;
  for (const auto& f : c.take_events()) whole += f.payload;
  EXPECT_EQ(whole, std::string(5000, 'q') + "end");
}

TEST(ConnectionDeflate, DataThatDoesNotInflateFailsWith1007AfterEarlierMessages) {
  auto c = client_with_deflate();
  wire::deflater z(false, 15);
  const std::string first = z.compress("first");
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::text, true, first, true) +
                              server_frame(wire::opcode::text, true, "\xff\xff\xff\xff", true)));
  const auto ev = c.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].payload, "first");
  EXPECT_EQ(c.status().code, wire::close_code::invalid_payload);
  EXPECT_EQ(c.protocol_error(), wire::error::bad_compressed_data);
  // The connection was failed with a close frame that says so.
  ASSERT_TRUE(c.close_sent());
  EXPECT_EQ(c.close_sent()->code, wire::close_code::invalid_payload);
}

TEST(ConnectionDeflate, BombIsBoundedByTheInflatedSizeAndFailsWith1009) {
  auto c = client_with_deflate(64 * 1024);
  wire::deflater z(false, 15);
  const std::string packed = z.compress(std::string(8 << 20, 'a'));
  ASSERT_LT(packed.size(), 64u * 1024);  // passes the frame size limit compressed
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::binary, true, packed, true)));
  EXPECT_TRUE(c.take_events().empty());
  EXPECT_EQ(c.status().code, wire::close_code::message_too_big);
}

TEST(ConnectionDeflate, BombSpreadOverFramesIsBoundedOnTheWholeMessage) {
  // Each frame is far under the limit, compressed and inflated; the
  // message inflates past it.
  auto c = client_with_deflate(64 * 1024);
  wire::deflater z(false, 15);
  const std::string packed = z.compress(std::string(8 << 20, 'a'));
  const std::size_t quarter = packed.size() / 4;
  std::string stream = server_frame(wire::opcode::binary, false, packed.substr(0, quarter), true);
  for (int i = 1; i < 4; ++i)
    stream += server_frame(wire::opcode::continuation, i == 3,
                           packed.substr(i * quarter, i == 3 ? std::string::npos : quarter), false);
  ASSERT_FALSE(c.receive_data(stream));
  // The first fragments may be events; none carries more than the limit.
  std::uint64_t inflated = 0;
  for (const auto& f : c.take_events()) inflated += f.payload.size();
  EXPECT_LE(inflated, 64u * 1024);
  EXPECT_EQ(c.status().code, wire::close_code::message_too_big);
  EXPECT_EQ(c.protocol_error(), wire::error::inflated_too_big);
}

TEST(ConnectionDeflate, DataThatDoesNotInflateInAContinuationFailsWith1007) {
  auto c = client_with_deflate();
  wire::deflater z(false, 15);
  const std::string packed = z.compress("a message in two frames");
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::text, false, packed.substr(0, 3), true) +
                              server_frame(wire::opcode::continuation, true, "\xff\xff\xff\xff\xff", false)));
  EXPECT_EQ(c.status().code, wire::close_code::invalid_payload);
  EXPECT_EQ(c.protocol_error(), wire::error::bad_compressed_data);
}

TEST(ConnectionDeflate, DataThatStopsInsideABlockFailsWith1007) {
  // RFC 7692 section 7.2.1: a message's data ends with a sync flush. Cut
  // inside its block, it inflates to part of a message and no further.
  wire::deflater z(false, 15);
  const std::string packed = z.compress(std::string(4000, 'x') + "a message cut short, somewhere in its block");
  wire::inflater in(false, 15, 1 << 20);
  std::string out;
  EXPECT_EQ(in.inflate(std::string_view(packed).substr(0, packed.size() - 6), out), wire::inflater::status::bad_data);
  EXPECT_TRUE(in.unfinished_block());
  auto c = client_with_deflate();
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::binary, true, packed.substr(0, packed.size() - 6), true)));
  EXPECT_TRUE(c.take_events().empty());
  EXPECT_EQ(c.status().code, wire::close_code::invalid_payload);
}

TEST(InflaterBound, BombStopsWithinOneChunkOfTheLimit) {
  wire::deflater z(false, 15);
  const std::string packed = z.compress(std::string(64 << 20, '\0'));  // 64 MiB in about 64 KiB
  wire::inflater in(false, 15, 1 << 20);
  std::string out;
  EXPECT_EQ(in.inflate(packed, out), wire::inflater::status::too_big);
  EXPECT_LE(out.size(), std::size_t{1} << 20);
}

TEST(ConnectionDeflate, InflatedTextThatIsNotUtf8FailsWith1007) {
  auto c = client_with_deflate();
  wire::deflater z(false, 15);
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::text, true, z.compress("\xc3\x28"), true)));
  EXPECT_EQ(c.status().code, wire::close_code::invalid_payload);
}

TEST(ConnectionDeflate, Rsv1OnAContinuationOrWithoutNegotiationFails) {
  auto c = client_with_deflate();
  ASSERT_FALSE(c.receive_data(server_frame(wire::opcode::text, false, "a", false) +
                              server_frame(wire::opcode::continuation, true, "b", true)));
  EXPECT_EQ(c.status().code, wire::close_code::protocol_error);
  options o;
  connection plain(o, fixed_masks());
  wire::deflater z(false, 15);
  ASSERT_FALSE(plain.receive_data(server_frame(wire::opcode::text, true, z.compress("x"), true)));
  EXPECT_EQ(plain.protocol_error(), wire::error::reserved_bits_set);
}

TEST(ConnectionDeflate, SentMessagesAreCompressedAndInflateBack) {
  auto c = client_with_deflate();
  ASSERT_FALSE(c.send_text("compress me, compress me"));
  ASSERT_FALSE(c.send_binary(std::string(3000, 'b')));
  const std::string out = c.take_output();
  wire::frame_decoder d({wire::role::server, 1 << 20, 1 << 20, true});
  wire::inflater in(false, 15, 1 << 20);
  std::string_view bytes(out);
  std::vector<std::string> got;
  wire::frame f;
  while (d.decode(bytes, f) == wire::frame_decoder::status::frame) {
    EXPECT_TRUE(f.compressed);
    std::string m;
    ASSERT_EQ(in.inflate(f.payload, m), wire::inflater::status::ok);
    got.push_back(m);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "compress me, compress me");
  EXPECT_EQ(got[1], std::string(3000, 'b'));
}

}  // namespace
}  // namespace lastword::protocol
