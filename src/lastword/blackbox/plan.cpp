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

}  // namespace

std::string_view profile_name(profile p) noexcept { return p == profile::recv ? "recv" : "events"; }

peer_stream encode_stream(const scenario::scenario& s, const std::optional<wire::deflate_params>& deflate) {
  // Without the extension, the scenario's frames as they are (even when the
  // scenario asked for it: the run then reports that it was not agreed).
  scenario::scenario plain = s;
  plain.opts.deflate = false;
  auto e = deflate ? scenario::encode_peer(s, *deflate) : scenario::encode_peer(plain);
  return {std::move(e.bytes), std::move(e.frame_ends)};
}

plan make_plan(const scenario::scenario& s, profile p, const peer_stream& stream, std::mt19937_64& rng) {
  plan out;
  auto draw = [&](std::uint64_t max) { return std::uniform_int_distribution<std::uint64_t>(0, max)(rng); };
  const std::uint64_t first = draw(max_consumer_delay_ms);
  out.consumer.push_back(
      {.k = p == profile::events ? consumer_step::kind::block : consumer_step::kind::sleep, .ms = first, .drawn = true});
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
        out.consumer.push_back(
            {.k = p == profile::events ? consumer_step::kind::block : consumer_step::kind::sleep, .ms = st.n, .step = i});
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
        out.consumer.push_back({.k = consumer_step::kind::recv, .timeout = st.timeout, .step = i});
        break;
      case step_kind::close:
        out.consumer.push_back({.k = consumer_step::kind::close, .code = st.code, .reason = st.reason, .step = i});
        break;
      case step_kind::send: {
        // The adapter contract sends whole messages.
        if (!st.fin || st.frame == scenario::peer_frame::kind::continuation) {
          if (out.not_expressible.empty()) out.not_expressible = "a fragmented send (step " + std::to_string(i + 1) + ")";
          break;
        }
        consumer_step c{.k = consumer_step::kind::send, .step = i};
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
