// The peer's bytes under permessage-deflate (scenario option deflate).
#include <algorithm>

#include "lastword/scenario/scenario.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/mask.hpp"

namespace lastword::scenario {
namespace {

using fk = peer_frame::kind;

bool data_start(fk k) { return k == fk::text || k == fk::binary; }

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

std::optional<wire::deflate_params> deflate_params(const options& o) {
  if (!o.deflate) return std::nullopt;
  wire::deflate_params p;
  p.server_no_context_takeover = p.client_no_context_takeover = o.deflate_no_context_takeover;
  return p;
}

peer_bytes encode_peer(const scenario& s, const wire::deflate_params& p) {
  // RFC 7692 section 6: the sender compresses each data message whole and
  // sets RSV1 on its first frame; a fragmented message's compressed bytes
  // are spread over as many frames as the script gives it. Control frames
  // (and raw bytes) between its fragments stay where they are.
  const wire::role peer_role = s.role == wire::role::client ? wire::role::server : wire::role::client;
  const auto z = wire::sending_deflater(p, peer_role);
  const wire::mask_key key = peer_mask_key;
  const wire::mask_key* mask = peer_role == wire::role::client ? &key : nullptr;
  peer_bytes out;
  auto as_is = [&](const peer_frame& f) {
    scenario one;
    one.role = s.role;
    one.peer = {f};
    out.bytes += encode_peer(one).bytes;
    out.frame_ends.push_back(out.bytes.size());
  };
  for (std::size_t i = 0; i < s.peer.size(); ++i) {
    const peer_frame& first = s.peer[i];
    if (!data_start(first.k)) {
      as_is(first);  // control frames, raw bytes, a continuation with no message
      continue;
    }
    // The message's frames: `first`, then its continuations up to the one
    // with FIN, skipping control frames and raw bytes in between. A new
    // message (bad input) or the end of the script ends it unfinished.
    std::vector<std::size_t> data{i};
    std::size_t last = i;
    std::string message = first.payload;
    for (std::size_t j = i + 1; !s.peer[data.back()].fin && j < s.peer.size(); ++j) {
      if (data_start(s.peer[j].k)) break;
      last = j;
      if (s.peer[j].k == fk::continuation) {
        data.push_back(j);
        message += s.peer[j].payload;
      }
    }
    while (last > data.back()) --last;  // what follows the last fragment is not part of it
    const std::string packed = z->compress(message);
    const std::size_t chunk = (packed.size() + data.size() - 1) / data.size();
    std::size_t at = 0;
    for (std::size_t j = i; j <= last; ++j) {
      const peer_frame& f = s.peer[j];
      if (j != i && f.k != fk::continuation) {
        as_is(f);
        continue;
      }
      const std::size_t take = std::min(chunk, packed.size() - at);
      const wire::opcode op = j != i ? wire::opcode::continuation
                              : first.k == fk::text ? wire::opcode::text
                                                    : wire::opcode::binary;
      append_frame(out.bytes, op, f.fin, j == i, std::string_view(packed).substr(at, take), mask);
      at += take;
      out.frame_ends.push_back(out.bytes.size());
    }
    i = last;
  }
  return out;
}

}  // namespace lastword::scenario
