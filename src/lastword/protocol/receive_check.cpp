#include "lastword/protocol/receive_check.hpp"

#include <sstream>

#include "lastword/wire/close.hpp"
#include "lastword/wire/error.hpp"

namespace lastword::protocol {
namespace {

class reference_receiver final : public receiver {
 public:
  reference_receiver(const options& opts, wire::mask_source masks) : c_(opts, std::move(masks)) {}
  void receive_data(std::string_view bytes) override { c_.receive_data(bytes); }
  void receive_eof() override { c_.receive_eof(); }
  std::vector<wire::frame> take_events() override { return c_.take_events(); }
  std::string take_output() override { return c_.take_output(); }
  std::error_code send_close(std::uint16_t code, std::string_view reason) override {
    return c_.send_close(code, reason);
  }
  close_status status() const override { return c_.status(); }

 private:
  connection c_;
};

// Deterministic keys, so that two runs write the same bytes.
wire::mask_source counting_masks() {
  return [n = std::uint32_t{0}]() mutable {
    ++n;
    return wire::mask_key{static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8), 0x5a,
                          0xa5};
  };
}

struct run_result {
  std::vector<wire::frame> events;
  std::string output;
  close_status status;
};

run_result run(const receive_case& c, const receiver_factory& make, bool split) {
  auto r = make(c.opts, counting_masks());
  run_result out;
  if (c.close_first) r->send_close(wire::close_code::normal, "");
  std::string_view rest = c.stream;
  if (split) {
    for (std::size_t n : c.splits) {
      if (rest.empty()) break;
      n = std::min(n, rest.size());
      r->receive_data(rest.substr(0, n));
      rest.remove_prefix(n);
      for (auto& f : r->take_events()) out.events.push_back(std::move(f));
      out.output += r->take_output();
    }
  }
  if (!rest.empty()) r->receive_data(rest);
  for (auto& f : r->take_events()) out.events.push_back(std::move(f));
  out.output += r->take_output();
  r->receive_eof();
  for (auto& f : r->take_events()) out.events.push_back(std::move(f));
  out.output += r->take_output();
  out.status = r->status();
  return out;
}

std::string describe(const wire::frame& f) {
  std::ostringstream s;
  s << wire::opcode_name(f.op) << (f.fin ? "" : "(more)") << '[' << f.payload.size() << ']';
  return s.str();
}

std::string describe(const std::vector<wire::frame>& frames) {
  std::string s = "{";
  for (std::size_t i = 0; i < frames.size(); ++i) s += (i ? " " : "") + describe(frames[i]);
  return s + "}";
}

}  // namespace

std::unique_ptr<receiver> make_reference_receiver(const options& opts, wire::mask_source masks) {
  return std::make_unique<reference_receiver>(opts, std::move(masks));
}

receive_case receive_case_from_bytes(const std::uint8_t* data, std::size_t size) {
  receive_case c;
  const std::uint8_t flags = size > 0 ? data[0] : 0;
  std::uint32_t split_state = size > 1 ? data[1] : 0;
  c.opts.local_role = (flags & 1) ? wire::role::server : wire::role::client;
  c.close_first = (flags & 2) != 0;
  // Limits between 16 bytes and 1 MiB, so that 1009 is reachable.
  const unsigned limit_shift = 4 + ((flags >> 2) & 15);
  c.opts.max_frame_size = std::uint64_t{1} << std::min(limit_shift, 20u);
  c.opts.max_message_size = c.opts.max_frame_size * ((flags & 0x40) ? 1 : 4);
  if (size > 2) c.stream.assign(reinterpret_cast<const char*>(data + 2), size - 2);
  for (std::size_t covered = 0; covered < c.stream.size();) {
    split_state = split_state * 1103515245u + 12345u;
    const std::size_t n = 1 + ((split_state >> 16) % ((flags & 0x80) ? 3 : 17));
    c.splits.push_back(n);
    covered += n;
  }
  return c;
}

std::string check_receive(const receive_case& c, const receiver_factory& make) {
  const wire::role peer =
      c.opts.local_role == wire::role::client ? wire::role::server : wire::role::client;

  // The oracle: frames up to the end of input, from the decoder alone.
  std::vector<wire::frame> expected;
  std::error_code decode_error;
  std::optional<wire::close_payload> peer_close;
  {
    wire::frame_decoder d({c.opts.local_role, c.opts.max_frame_size, c.opts.max_message_size});
    std::string_view in = c.stream;
    wire::frame f;
    while (!peer_close) {
      const auto st = d.decode(in, f);
      if (st == wire::frame_decoder::status::need_more) break;
      if (st == wire::frame_decoder::status::failed) {
        decode_error = d.error();
        break;
      }
      if (f.op == wire::opcode::close) {
        wire::close_payload p;
        (void)wire::parse_close_payload(f.payload, p);
        peer_close = p;
      }
      expected.push_back(f);
    }
  }
  std::vector<wire::frame> expected_sent;
  if (c.close_first)
    expected_sent.push_back({wire::opcode::close, true, wire::encode_close_payload(1000, "")});
  if (!c.close_first)
    for (const auto& f : expected)
      if (f.op == wire::opcode::ping) expected_sent.push_back({wire::opcode::pong, true, f.payload});
  close_status expected_status;
  if (peer_close) {
    if (!c.close_first)
      expected_sent.push_back({wire::opcode::close, true, wire::encode_close_payload(peer_close->code, "")});
    expected_status.code = peer_close->code;
    expected_status.reason = peer_close->reason;
    expected_status.handshake_completed = true;
    expected_status.normal = wire::is_normal_close_code(peer_close->code);
  } else if (decode_error) {
    const std::uint16_t code = wire::close_code_for(decode_error);
    if (!c.close_first)
      expected_sent.push_back({wire::opcode::close, true, wire::encode_close_payload(code, "")});
    expected_status.code = code;
  }

  const run_result whole = run(c, make, false);
  const run_result split = run(c, make, true);

  std::ostringstream v;
  if (whole.events != expected) {
    v << "events " << describe(whole.events) << " differ from the frames received before the end of input "
      << describe(expected);
  } else if (split.events != whole.events) {
    v << "a split read gave events " << describe(split.events) << ", one read gave " << describe(whole.events);
  } else if (split.output != whole.output) {
    v << "a split read sent different bytes than one read";
  } else {
    wire::frame_decoder d({peer, 125, 125});
    std::vector<wire::frame> sent;
    std::string_view out = whole.output;
    wire::frame f;
    wire::frame_decoder::status st;
    while ((st = d.decode(out, f)) == wire::frame_decoder::status::frame) sent.push_back(f);
    if (st == wire::frame_decoder::status::failed || !d.at_frame_boundary()) {
      v << "sent bytes are not valid frames for the peer (" << d.error().message() << ")";
    } else if (sent != expected_sent) {
      v << "sent " << describe(sent) << ", expected " << describe(expected_sent);
    } else if (whole.status != expected_status) {
      v << "close status code=" << whole.status.code << " handshake=" << whole.status.handshake_completed
        << " normal=" << whole.status.normal << ", expected code=" << expected_status.code
        << " handshake=" << expected_status.handshake_completed << " normal=" << expected_status.normal;
    }
  }
  return v.str();
}

}  // namespace lastword::protocol
