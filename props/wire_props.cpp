// Properties of the wire layer and the protocol's receive path.
//
// Generators build peer streams the way a peer could send them: messages of
// valid UTF-8 text or binary split into fragments at any byte (inside code
// points too), pings and pongs between fragments, an optional close frame,
// then optionally a corruption (a flipped byte, inserted garbage, a cut)
// anywhere, and reads split at random sizes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <ostream>

#include "lastword/impls/protocol_variants.hpp"
#include "planted.hpp"
#include "lastword/protocol/receive_check.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/mask.hpp"
#include "lastword/wire/test_support.hpp"

namespace lastword::props {
namespace {

using wire::frame;
using wire::opcode;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

rc::Gen<std::string> valid_utf8() {
  return rc::gen::exec([] {
    const auto cps = *rc::gen::container<std::vector<std::uint32_t>>(rc::gen::oneOf(
        rc::gen::inRange<std::uint32_t>(0, 0x80), rc::gen::inRange<std::uint32_t>(0x80, 0x800),
        rc::gen::inRange<std::uint32_t>(0x800, 0xD800),
        rc::gen::inRange<std::uint32_t>(0xE000, 0x10000),
        rc::gen::inRange<std::uint32_t>(0x10000, 0x110000)));
    std::string s;
    for (auto cp : cps) append_utf8(s, cp);
    return s;
  });
}

rc::Gen<std::string> bytes_gen() { return rc::gen::container<std::string>(rc::gen::arbitrary<char>()); }

// A message as frames: fragments cut at arbitrary byte offsets, with control
// frames in between.
rc::Gen<std::vector<frame>> message_frames() {
  return rc::gen::exec([] {
    const bool text = *rc::gen::arbitrary<bool>();
    const std::string payload = text ? *valid_utf8() : *bytes_gen();
    auto cuts = *rc::gen::container<std::vector<std::size_t>>(
        rc::gen::inRange<std::size_t>(0, payload.size() + 1));
    if (cuts.size() > 4) cuts.resize(4);
    std::sort(cuts.begin(), cuts.end());
    std::vector<frame> out;
    std::size_t at = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
      const std::size_t end = i < cuts.size() ? cuts[i] : payload.size();
      const opcode op = i == 0 ? (text ? opcode::text : opcode::binary) : opcode::continuation;
      out.push_back(frame{op, i == cuts.size(), payload.substr(at, end - at)});
      at = end;
      if (i < cuts.size() && *rc::gen::inRange(0, 4) == 0) {
        const auto control = *rc::gen::element(opcode::ping, opcode::pong);
        auto body = *bytes_gen();
        if (body.size() > 125) body.resize(125);
        out.push_back(frame{control, true, body});
      }
    }
    return out;
  });
}

struct peer_stream {
  wire::role receiver = wire::role::client;
  std::vector<frame> frames;
  std::string bytes;  // the frames encoded, then perhaps corrupted
};

void showValue(const peer_stream& s, std::ostream& os) {
  os << "receiver=" << (s.receiver == wire::role::client ? "client" : "server") << " frames=[";
  for (const auto& f : s.frames)
    os << ' ' << wire::opcode_name(f.op) << (f.fin ? "" : "(more)") << '[' << f.payload.size() << ']';
  os << " ] bytes=" << s.bytes.size();
}

std::string encode_for(wire::role receiver, const std::vector<frame>& frames,
                       const std::vector<wire::mask_key>& keys) {
  std::string out;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const frame& f = frames[i];
    // A server receives masked frames (section 5.1).
    const wire::mask_key* key = receiver == wire::role::server ? &keys[i % keys.size()] : nullptr;
    wire::encode_frame(out, f.op, f.fin, f.payload, key);
  }
  return out;
}

rc::Gen<peer_stream> valid_stream() {
  return rc::gen::exec([] {
    peer_stream s;
    s.receiver = *rc::gen::element(wire::role::client, wire::role::server);
    const int messages = *rc::gen::inRange(0, 5);
    for (int m = 0; m < messages; ++m)
      for (auto& f : *message_frames()) s.frames.push_back(std::move(f));
    if (*rc::gen::arbitrary<bool>()) {
      const auto code = *rc::gen::element<std::uint16_t>(1000, 1001, 1002, 1011, 3000, 4999);
      auto reason = *valid_utf8();
      while (reason.size() > wire::max_close_reason) reason.pop_back();
      if (!wire::is_valid_utf8(reason)) reason.clear();
      s.frames.push_back(frame{opcode::close, true, wire::encode_close_payload(code, reason)});
    }
    const auto keys = *rc::gen::nonEmpty(rc::gen::container<std::vector<wire::mask_key>>(
        rc::gen::arbitrary<wire::mask_key>()));
    s.bytes = encode_for(s.receiver, s.frames, keys);
    return s;
  });
}

rc::Gen<peer_stream> any_stream() {
  return rc::gen::exec([] {
    peer_stream s = *valid_stream();
    const int corruption = *rc::gen::inRange(0, 4);
    if (corruption == 1 && !s.bytes.empty()) {
      const auto at = *rc::gen::inRange<std::size_t>(0, s.bytes.size());
      s.bytes[at] = static_cast<char>(s.bytes[at] ^ (1 << *rc::gen::inRange(0, 8)));
    } else if (corruption == 2) {
      const auto at = *rc::gen::inRange<std::size_t>(0, s.bytes.size() + 1);
      s.bytes.insert(at, *bytes_gen());
    } else if (corruption == 3 && !s.bytes.empty()) {
      s.bytes.resize(*rc::gen::inRange<std::size_t>(0, s.bytes.size()));
    }
    return s;
  });
}

rc::Gen<std::vector<std::size_t>> splits() {
  return rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 40));
}

wire::decoder_options decoder_for(wire::role r) { return {r, 1 << 20, 1 << 20}; }

// Decodes `bytes` with the given read sizes; the remainder in one read.
wire::testing::decoded decode_split(std::string_view bytes, wire::decoder_options o,
                                    const std::vector<std::size_t>& sizes, std::uint64_t* consumed) {
  wire::frame_decoder d(o);
  wire::testing::decoded out;
  frame f;
  std::size_t k = 0;
  while (!bytes.empty() && !out.error) {
    const std::size_t n = k < sizes.size() ? std::min(sizes[k++], bytes.size()) : bytes.size();
    std::string_view chunk = bytes.substr(0, n);
    bytes.remove_prefix(n);
    for (;;) {
      const auto st = d.decode(chunk, f);
      if (st == wire::frame_decoder::status::frame) {
        out.frames.push_back(f);
      } else {
        if (st == wire::frame_decoder::status::failed) out.error = d.error();
        break;
      }
    }
  }
  out.at_boundary = d.at_frame_boundary();
  *consumed = d.bytes_consumed();
  return out;
}

RC_GTEST_PROP(WireProps, EncodeThenDecodeReturnsTheSameFrames, ()) {
  const peer_stream s = *valid_stream();
  const auto d = wire::testing::decode_all(s.bytes, decoder_for(s.receiver));
  RC_ASSERT(!d.error);
  RC_ASSERT(d.at_boundary);
  RC_ASSERT(d.frames == s.frames);
}

RC_GTEST_PROP(WireProps, AnySplitGivesTheSameFramesAndError, ()) {
  const peer_stream s = *any_stream();
  const auto sizes = *splits();
  std::uint64_t whole_consumed = 0, split_consumed = 0;
  const auto whole = decode_split(s.bytes, decoder_for(s.receiver), {}, &whole_consumed);
  const auto split = decode_split(s.bytes, decoder_for(s.receiver), sizes, &split_consumed);
  RC_ASSERT(whole.frames == split.frames);
  RC_ASSERT(whole.error == split.error);
  RC_ASSERT(whole_consumed == split_consumed);
}

RC_GTEST_PROP(WireProps, ArbitraryBytesEndInFramesOrAnError, (const std::string& bytes, bool server)) {
  protocol::connection c(protocol::options{.local_role = server ? wire::role::server : wire::role::client,
                                             .max_frame_size = 4096,
                                             .max_message_size = 4096},
                         [] { return wire::mask_key{1, 2, 3, 4}; });
  RC_ASSERT(!c.receive_data(bytes));
  const auto events = c.take_events();
  c.receive_eof();
  RC_ASSERT(c.current_state() == protocol::state::closed);
  RC_ASSERT(c.output_ended());
  // Every event is a frame the peer could legally send.
  for (const auto& f : events) RC_ASSERT(!wire::is_control(f.op) || f.payload.size() <= 125);
}

RC_GTEST_PROP(WireProps, MaskingTwiceIsTheIdentity,
              (const std::string& data, const wire::mask_key& key, std::uint8_t phase)) {
  std::string s = data;
  wire::apply_mask(s.data(), s.size(), key, phase);
  wire::apply_mask(s.data(), s.size(), key, phase);
  RC_ASSERT(s == data);
}

// The receive path against check_receive()'s oracle, for any receiver.
void receive_path_matches_oracle(const protocol::receiver_factory& make) {
  const peer_stream s = *any_stream();
  protocol::receive_case c;
  c.opts = protocol::options{.local_role = s.receiver, .max_frame_size = 1 << 16, .max_message_size = 1 << 16};
  c.close_first = *rc::gen::arbitrary<bool>();
  c.splits = *splits();
  c.stream = s.bytes;
  const std::string violation = protocol::check_receive(c, make);
  RC_LOG() << violation << '\n';
  RC_ASSERT(violation.empty());
}

RC_GTEST_PROP(ProtocolProps, ReceivePathMatchesOracle, ()) {
  receive_path_matches_oracle(protocol::make_reference_receiver);
}

// The property can fail: it catches a planted regression from the catalog.
TEST(ProtocolProps, ReceivePathPropertyCatchesTungsteniteClosingDropsData) {
  expect_caught("tungstenite-closing-drops-data",
                [] { receive_path_matches_oracle(impls::make_tungstenite_closing_drops_data); });
}

}  // namespace
}  // namespace lastword::props
