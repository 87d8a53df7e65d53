#include "lastword/blackbox/plan.hpp"

#include <algorithm>

#include "lastword/wire/assert.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/mask.hpp"

namespace lastword::blackbox {
namespace {

using step_kind = scenario::step::kind;

bool peer_lane(step_kind k) {
  switch (k) {
    case step_kind::read_bytes:
    case step_kind::read_frames:
    case step_kind::read_all:
    case step_kind::eof:
    case step_kind::reset:
    case step_kind::stall_writes:
    case step_kind::release_writes:
      return true;
    default:
      return false;
  }
}

void append_frame(std::string& out, wire::opcode op, bool fin, bool rsv1, std::string_view payload,
                  const wire::mask_key* key) {
  wire::header_fields h;
  h.fin = fin;
  h.rsv1 = rsv1;
  h.opcode = static_cast<std::uint8_t>(op);
  h.length = payload.size();
  if (key) {
    h.masked = true;
    h.key = *key;
  }
  wire::encode_header(out, h);
  const std::size_t at = out.size();
  out.append(payload);
  if (key) wire::apply_mask(out.data() + at, payload.size(), *key, 0);
}

}  // namespace

std::string_view profile_name(profile p) noexcept { return p == profile::recv ? "recv" : "events"; }

peer_stream encode_stream(const scenario::scenario& s, const std::optional<wire::deflate_params>& deflate) {
  if (!deflate) {
    auto e = scenario::encode_peer(s);
    return {std::move(e.bytes), std::move(e.frame_ends)};
  }
  // RFC 7692 section 6: the sender compresses each data message and sets
  // RSV1 on its first frame. A fragmented message is compressed whole and
  // its compressed bytes are spread over the same number of frames.
  const bool peer_is_server = s.role == wire::role::client;
  const bool no_takeover = peer_is_server ? deflate->server_no_context_takeover : deflate->client_no_context_takeover;
  const int bits = peer_is_server ? deflate->server_max_window_bits : deflate->client_max_window_bits;
  wire::deflater z(no_takeover, bits);
  const wire::mask_key key{0x37, 0xfa, 0x21, 0x3d};
  const wire::mask_key* k = peer_is_server ? nullptr : &key;
  peer_stream out;
  for (std::size_t i = 0; i < s.peer.size(); ++i) {
    const auto& f = s.peer[i];
    using fk = scenario::peer_frame::kind;
    if (f.k == fk::text || f.k == fk::binary) {
      std::size_t last = i;
      std::string message = f.payload;
      while (!s.peer[last].fin && last + 1 < s.peer.size() && s.peer[last + 1].k == fk::continuation) {
        ++last;
        message += s.peer[last].payload;
      }
      std::vector<std::size_t> data_frames;
      for (std::size_t j = i; j <= last; ++j)
        if (j == i || s.peer[j].k == fk::continuation) data_frames.push_back(j);
      const std::string packed = z.compress(message);
      const std::size_t n = data_frames.size();
      const std::size_t chunk = (packed.size() + n - 1) / n;
      std::size_t at = 0, d = 0;
      for (std::size_t j = i; j <= last; ++j) {
        const auto& g = s.peer[j];
        const std::size_t take = std::min(chunk, packed.size() - std::min(at, packed.size()));
        append_frame(out.bytes, j == i ? (f.k == fk::text ? wire::opcode::text : wire::opcode::binary)
                                       : wire::opcode::continuation,
                     g.fin, j == i, std::string_view(packed).substr(std::min(at, packed.size()), take), k);
        at += take;
        ++d;
        out.frame_ends.push_back(out.bytes.size());
      }
      i = last;
      continue;
    }
    // Control frames, raw bytes and a stray continuation as they are.
    scenario::scenario one;
    one.role = s.role;
    one.peer = {f};
    auto e = scenario::encode_peer(one);
    out.bytes += e.bytes;
    out.frame_ends.push_back(out.bytes.size());
  }
  return out;
}

plan make_plan(const scenario::scenario& s, profile p, const peer_stream& stream, std::mt19937_64& rng) {
  plan out;
  auto draw = [&](std::uint64_t max) { return std::uniform_int_distribution<std::uint64_t>(0, max)(rng); };
  const std::uint64_t first = draw(max_consumer_delay_ms);
  out.consumer.push_back({p == profile::events ? consumer_step::kind::block : consumer_step::kind::sleep, first,
                          std::nullopt, 1000, {}, 0, true});
  std::size_t offset = 0, frame = 0;
  for (std::size_t i = 0; i < s.schedule.size(); ++i) {
    const auto& st = s.schedule[i];
    if (st.k == step_kind::advance) {
      // The lane of the next step that is not an advance.
      std::size_t next = i + 1;
      while (next < s.schedule.size() && s.schedule[next].k == step_kind::advance) ++next;
      if (next == s.schedule.size()) continue;
      if (peer_lane(s.schedule[next].k) && out.peer_ends) continue;
      if (peer_lane(s.schedule[next].k))
        out.peer.push_back({peer_action::kind::delay, 0, 0, st.n, i, false});
      else
        out.consumer.push_back({p == profile::events ? consumer_step::kind::block : consumer_step::kind::sleep, st.n,
                                std::nullopt, 1000, {}, i, false});
      continue;
    }
    // Nothing travels after the end of the transport.
    if (out.peer_ends && peer_lane(st.k)) continue;
    const bool joined = i > 0 && s.schedule[i - 1].same_turn_as_next;
    switch (st.k) {
      case step_kind::read_bytes:
      case step_kind::read_frames:
      case step_kind::read_all: {
        std::size_t to = stream.bytes.size();
        if (st.k == step_kind::read_bytes) {
          to = static_cast<std::size_t>(std::min<std::uint64_t>(stream.bytes.size(), offset + st.n));
        } else if (st.k == step_kind::read_frames) {
          while (frame < stream.frame_ends.size() && stream.frame_ends[frame] <= offset) ++frame;
          const std::size_t last = std::min(stream.frame_ends.size(), frame + static_cast<std::size_t>(st.n));
          to = last == 0 ? offset : std::max(offset, stream.frame_ends[last - 1]);
        }
        if (to <= offset) break;
        if (!joined) {
          const std::uint64_t d = draw(max_write_delay_ms);
          if (d > 0) out.peer.push_back({peer_action::kind::delay, 0, 0, d, i, true});
        }
        // Joined reads travel in one write: extend the previous one.
        if (joined && !out.peer.empty() && out.peer.back().k == peer_action::kind::write)
          out.peer.back().to = to;
        else
          out.peer.push_back({peer_action::kind::write, offset, to, 0, i, false});
        offset = to;
        break;
      }
      case step_kind::eof:
        out.peer.push_back({peer_action::kind::shutdown, 0, 0, 0, i, false});
        out.peer_ends = true;
        break;
      case step_kind::reset:
        out.peer.push_back({peer_action::kind::reset, 0, 0, 0, i, false});
        out.peer_ends = true;
        break;
      case step_kind::stall_writes:
        out.peer.push_back({peer_action::kind::stop_reading, 0, 0, 0, i, false});
        break;
      case step_kind::release_writes:
        out.peer.push_back({peer_action::kind::resume_reading, 0, 0, 0, i, false});
        break;
      case step_kind::recv:
      case step_kind::recv_streaming:
        out.consumer.push_back({consumer_step::kind::recv, 0, st.timeout, 1000, {}, i, false});
        break;
      case step_kind::close:
        out.consumer.push_back({consumer_step::kind::close, 0, std::nullopt, st.code, st.reason, i, false});
        break;
      case step_kind::send: {
        // The adapter contract sends whole messages.
        if (!st.fin || st.frame == scenario::peer_frame::kind::continuation) {
          if (out.not_expressible.empty()) out.not_expressible = "a fragmented send (step " + std::to_string(i + 1) + ")";
          break;
        }
        consumer_step c{consumer_step::kind::send, 0, std::nullopt, 1000, {}, i, false};
        c.text = st.frame == scenario::peer_frame::kind::text;
        c.data = st.payload;
        out.consumer.push_back(std::move(c));
        break;
      }
      case step_kind::cancel:
        // A black box has no call to cancel (SPEC profiles).
        if (out.not_expressible.empty()) out.not_expressible = "cancel (step " + std::to_string(i + 1) + ")";
        break;
      default:
        break;
    }
  }
  return out;
}

std::uint64_t run_seed(std::uint64_t seed, std::size_t repetition) noexcept {
  // splitmix64 of the pair, so that neighbouring repetitions differ.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (repetition + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace lastword::blackbox
