#include "lastword/history/invariant.hpp"

#include <array>

namespace lastword::history {
namespace {

constexpr std::array<invariant_info, 10> table{{
    {invariant::D, 'D', "delivered before closed",
     "recv() returns every message received before the end of input, in order, once, byte-identical, before it "
     "raises ConnectionClosed"},
    {invariant::P, 'P', "partial messages",
     "a message whose final frame never came is never returned whole; recv_streaming() yields its fragments once"},
    {invariant::C, 'C', "close status",
     "every ConnectionClosed carries how the connection ended: code, reason, handshake completed, normal or error"},
    {invariant::X, 'X', "cancellation is safe",
     "a cancelled or timed-out recv() loses nothing: the next recv() returns what it would have"},
    {invariant::T, 'T', "zero timeout", "recv() with timeout 0 returns a message already complete in the queue"},
    {invariant::K, 'K', "one consumer",
     "a second concurrent recv() fails at once with a concurrency error and changes nothing"},
    {invariant::F, 'F', "bounded buffering",
     "reading pauses above `high` queued frames (with a complete message among them) and resumes at `low`"},
    {invariant::L, 'L', "liveness",
     "nothing waits forever: a recv() pending when the input ends completes in that same turn; close() returns "
     "within the close timeout"},
    {invariant::W, 'W', "wire conduct",
     "pings are answered, a close frame is echoed, nothing follows our close frame, a server closes TCP"},
    {invariant::S, 'S', "sent before close are sent",
     "every message send() was called for before close() is written before our close frame, in order, once, "
     "never interleaved; close() waits for them; send() after close() fails and writes nothing"},
}};

}  // namespace

std::span<const invariant_info> invariants() noexcept { return table; }

const invariant_info& info(invariant i) noexcept { return table[static_cast<std::size_t>(i)]; }

char letter(invariant i) noexcept { return info(i).letter; }

std::optional<invariant> from_letter(char c) noexcept {
  for (const auto& e : table)
    if (e.letter == c) return e.id;
  return std::nullopt;
}

const std::string& letters() {
  static const std::string all = [] {
    std::string s;
    for (const auto& e : table) s += e.letter;
    return s;
  }();
  return all;
}

}  // namespace lastword::history
