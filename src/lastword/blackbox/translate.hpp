// lastword/blackbox/translate.hpp: one black-box run as a scenario and a
// history, for the judge that every other layer uses.
//
// What a real run shows: the bytes lastword wrote as the peer (and how the
// transport ended), the frames the implementation wrote back, and the
// adapter's results. The translation builds the judged scenario (the same
// peer frames, uncompressed; a schedule of the consumer's calls followed by
// one read of what the implementation was given and the end of the
// transport) and a history in which the consumer's results are recv()
// results (under the events profile: each message event is one successful
// recv(), the close event the final ConnectionClosed).
//
// SPEC "What the checks compare": for ends that travel in order behind the
// data (a close frame, FIN) every message written before the end counts as
// received. After a reset, or when lastword's writes failed or the
// implementation dropped the connection before everything was written, the
// delivered messages need only be an in-order prefix of those written: the
// read is cut after the last message delivered in order. Standard library
// only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lastword/blackbox/adapter.hpp"
#include "lastword/blackbox/plan.hpp"
#include "lastword/history/history.hpp"
#include "lastword/scenario/scenario.hpp"
#include "lastword/wire/frame.hpp"

namespace lastword::blackbox {

struct timeline_entry {
  std::uint64_t us = 0;  // since the run started
  std::string who;       // lastword, implementation, consumer
  std::string what;
};

struct observation {
  std::vector<adapter_result> results;  // in the order printed
  std::vector<std::uint64_t> result_us;  // when lastword read each result line
  struct peer_write {
    std::uint64_t us = 0;
    std::size_t to = 0;  // peer stream offset after this write
  };
  std::vector<peer_write> writes;       // writes that completed
  std::vector<std::size_t> stream_frame_ends;  // of the peer stream as sent
  bool deflate = false;                 // permessage-deflate was negotiated
  bool all_written = true;              // every planned write completed
  std::optional<std::uint64_t> fin_us, reset_us;  // lastword's FIN or reset
  // The implementation's FIN or reset came before lastword's last write.
  bool implementation_closed_first = false;
  struct received_frame {
    std::uint64_t us = 0;
    wire::frame f;
  };
  std::vector<received_frame> frames;   // what the implementation wrote
  bool wrote_invalid = false;           // bytes that are not a valid frame
  std::string invalid_why;
  bool implementation_fin = false;      // it shut down its output or closed TCP
  bool timed_out = false;               // the wall-clock bound ended the run
  std::vector<timeline_entry> timeline;
};

struct judged {
  scenario::scenario s;
  history::history h;
  std::size_t expected = 0;   // messages the implementation had to deliver
  std::size_t delivered = 0;  // message results it gave
};

// A recv whose timeout expired at least this long after the end of input
// reached the implementation (lastword's close frame, FIN or reset, on
// loopback) saw the end and should have returned or raised (SPEC L): the
// judge is told it was called after the end.
inline constexpr std::uint64_t end_seen_margin_us = 100'000;

judged translate(const scenario::scenario& s, profile p, const plan& pl, const observation& o);

// The invariants a black box cannot show under a profile: T (a zero
// timeout needs to know what is already queued), F (reading is not seen)
// and, under events, X and K too (SPEC profiles).
std::string not_observable(profile p);

}  // namespace lastword::blackbox
