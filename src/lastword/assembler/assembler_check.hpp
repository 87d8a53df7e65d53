// lastword/assembler/assembler_check.hpp: the assembler against an abstract
// model of the delivery contract, one operation at a time.
//
// The model is the formal model's view of the queue (SPEC D, P, X, K, F):
// the data frames put, how many were handed out whole, how many fragments a
// streaming call holds, whether the input ended, and the pause flag with
// its water marks. It knows nothing of the assembler's deque. The
// operations are the reader's and the consumer's calls; after each one the
// assembler's answer must be the model's.
//
// Shared by the `assembler` fuzz target (bytes -> operations), the stateful
// property (rapidcheck/state commands) and their planted-bug tests: the
// planted variants wrap the reference assembler and change one thing each,
// as the catalog's regressions did at this layer. Which implementation
// runs is the caller's choice, by factory: the registry
// (impls/registry.hpp) names them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lastword/assembler/assembler.hpp"

namespace lastword::assembler {

struct op {
  enum class kind : std::uint8_t {
    put,           // the reader puts the next data frame
    end,           // the input ends
    get,           // the consumer takes a whole message
    get_fragment,  // the consumer takes a fragment
    put_back,      // the streaming call is cancelled: its fragments go back
    second_consumer,  // another consumer tries to acquire (K)
  };
  kind k = kind::get;
  bool text = true;  // put: the message's type (a new message)
  bool fin = true;   // put
  std::string payload;  // put
  bool abort = false;   // end: the transport was lost (no close frame ended the input)

  friend bool operator==(const op&, const op&) = default;
};

std::string describe(const op& o);

// An operation's result, compared structurally (the fuzz target compares
// one per operation); to_string() renders it for a report:
// "message text \"ab\"", "would_block", ...
struct answer {
  enum class kind : std::uint8_t { ok, would_block, end_of_stream, refused, admitted, message, fragment };
  kind k = kind::ok;
  bool text = true;  // message, fragment
  bool fin = true;   // fragment
  std::string data;  // message, fragment

  friend bool operator==(const answer&, const answer&) = default;
};
std::string to_string(const answer& a);

// The abstract model.
class queue_model {
 public:
  explicit queue_model(options o) : opts_(o) {}
  // Back to the start with options `o`, keeping the memory it holds (the
  // fuzz target checks one case after another).
  void reset(options o);

  // Whether `o` may be applied now (valid frame sequences, no put after the
  // end, no get() while a streaming call holds fragments).
  bool allowed(const op& o) const;
  // The expected result of `o`, applied.
  answer apply(const op& o);
  bool paused() const { return paused_ && !ended_; }
  bool in_message() const { return in_message_; }
  bool ended() const { return ended_; }

 private:
  struct frame {
    bool text, fin;
    std::string payload;
  };
  std::size_t queued() const { return frames_.size() - next_ - taken_; }
  std::size_t complete_queued() const;
  void update_pause();

  options opts_;
  std::vector<frame> frames_;  // every data frame put, in order
  // fins_[i]: final frames among frames_[0, i), so that counting the
  // complete messages queued is not a scan on every pause update.
  std::vector<std::size_t> fins_{0};
  std::size_t next_ = 0;       // frames handed out (whole messages, finished streams)
  std::size_t taken_ = 0;      // fragments the streaming call holds
  bool in_message_ = false, message_text_ = true, ended_ = false, paused_ = false;
};

// An assembler under test: the reference or a planted variant.
class queue_under_test {
 public:
  virtual ~queue_under_test() = default;
  // Applies `o`; the result as the model gives it.
  virtual answer apply(const op& o) = 0;
  virtual bool paused() const = 0;
};

using queue_factory = std::unique_ptr<queue_under_test> (*)(options);

// The reference assembler, and the planted variants (each the queue's form
// of the registry entry named in its comment, in assembler_check.cpp).
std::unique_ptr<queue_under_test> make_reference_queue(options o);
std::unique_ptr<queue_under_test> make_closed_before_drain_queue(options o);
std::unique_ptr<queue_under_test> make_abort_clears_queue(options o);
std::unique_ptr<queue_under_test> make_pause_outlives_end_queue(options o);

// Bytes -> options and operations (each byte pair one operation; every
// input is meaningful: disallowed operations are skipped).
struct assembler_case {
  options opts;
  std::vector<op> ops;
};
assembler_case assembler_case_from_bytes(std::span<const std::uint8_t> bytes);
// The same into `out`, reusing its memory.
void assembler_case_from_bytes(std::span<const std::uint8_t> bytes, assembler_case& out);

// Runs the case on the implementation `make` builds: empty when it agrees
// with the model after every operation, else the first disagreement with
// the operations up to it.
std::string check_assembler(const assembler_case& c, queue_factory make);

// The invariant a disagreement shows: F for the pause flag, else D (the
// answers speak of D, P, X and K; D names them).
char invariant_of(std::string_view disagreement);

}  // namespace lastword::assembler
