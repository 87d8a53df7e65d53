#include "lastword/assembler/assembler_check.hpp"


#include "lastword/wire/assert.hpp"
#include "lastword/wire/text.hpp"

namespace lastword::assembler {

namespace {

answer message_answer(bool text, std::string data) {
  return {answer::kind::message, text, true, std::move(data)};
}

answer fragment_answer(bool text, bool fin, std::string data) {
  return {answer::kind::fragment, text, fin, std::move(data)};
}

answer simple(answer::kind k) { return {k, true, true, {}}; }

}  // namespace

std::string to_string(const answer& a) {
  switch (a.k) {
    case answer::kind::ok: return "ok";
    case answer::kind::would_block: return "would_block";
    case answer::kind::end_of_stream: return "end_of_stream";
    case answer::kind::refused: return "refused";
    case answer::kind::admitted: return "admitted";
    case answer::kind::message:
      return std::string("message ") + (a.text ? "text " : "binary ") + wire::quoted(a.data);
    case answer::kind::fragment:
      return std::string("fragment ") + (a.text ? "text " : "binary ") + (a.fin ? "fin " : "more ") +
             wire::quoted(a.data);
  }
  return "?";
}

std::string describe(const op& o) {
  switch (o.k) {
    case op::kind::put:
      return std::string("put ") + (o.text ? "text " : "binary ") + (o.fin ? "fin " : "more ") + wire::quoted(o.payload);
    case op::kind::end: return o.abort ? "end (abort)" : "end";
    case op::kind::get: return "get";
    case op::kind::get_fragment: return "get_fragment";
    case op::kind::put_back: return "put_back";
    case op::kind::second_consumer: return "second consumer";
  }
  return "?";
}

// --- the model ---------------------------------------------------------------

bool queue_model::allowed(const op& o) const {
  switch (o.k) {
    case op::kind::put: return !ended_;
    case op::kind::get: return taken_ == 0;  // get() is not called inside a stream
    default: return true;
  }
}

void queue_model::reset(options o) {
  opts_ = o;
  frames_.clear();
  fins_.assign(1, 0);
  next_ = taken_ = 0;
  in_message_ = ended_ = paused_ = false;
  message_text_ = true;
}

std::size_t queue_model::complete_queued() const { return fins_.back() - fins_[next_ + taken_]; }

// F: pause above `high` while a complete message waits for the consumer;
// resume at `low`, or when no complete message is left (the message being
// received must be able to complete).
void queue_model::update_pause() {
  const std::size_t q = queued(), c = complete_queued();
  if (q > opts_.high && c > 0)
    paused_ = true;
  else if (q <= opts_.low || c == 0)
    paused_ = false;
}

answer queue_model::apply(const op& o) {
  LASTWORD_ASSERT(allowed(o));
  switch (o.k) {
    case op::kind::put:
      if (!in_message_) message_text_ = o.text;
      frames_.push_back({message_text_, o.fin, o.payload});
      fins_.push_back(fins_.back() + (o.fin ? 1 : 0));
      in_message_ = !o.fin;
      update_pause();
      return simple(answer::kind::ok);
    case op::kind::end:
      ended_ = true;
      return simple(answer::kind::ok);
    case op::kind::get: {
      // D: the next complete message, whatever happened to the input; the
      // end only once none is left (P: never a partial one).
      for (std::size_t j = next_; j < frames_.size(); ++j) {
        if (!frames_[j].fin) continue;
        std::string data;
        for (std::size_t i = next_; i <= j; ++i) data += frames_[i].payload;
        const bool text = frames_[next_].text;
        next_ = j + 1;
        update_pause();
        return message_answer(text, std::move(data));
      }
      return simple(ended_ ? answer::kind::end_of_stream : answer::kind::would_block);
    }
    case op::kind::get_fragment: {
      const std::size_t i = next_ + taken_;
      if (i < frames_.size()) {
        const frame& f = frames_[i];
        if (f.fin) {
          next_ = i + 1;
          taken_ = 0;
        } else {
          ++taken_;
        }
        update_pause();
        return fragment_answer(f.text, f.fin, f.payload);
      }
      if (!ended_) return simple(answer::kind::would_block);
      // P: what a stream yielded before the end is delivered.
      next_ += taken_;
      taken_ = 0;
      return simple(answer::kind::end_of_stream);
    }
    case op::kind::put_back:
      // X: a cancelled stream's fragments are seen again by the next call.
      taken_ = 0;
      update_pause();
      return simple(answer::kind::ok);
    case op::kind::second_consumer: return simple(answer::kind::refused);  // K
  }
  LASTWORD_ASSERT(false && "unknown operation");
  return {};
}

// --- the reference and planted variants -----------------------------------------

namespace {

class reference_queue : public queue_under_test {
 public:
  explicit reference_queue(options o) : a_(o) { LASTWORD_ASSERT(a_.acquire()); }

  answer apply(const op& o) override {
    switch (o.k) {
      case op::kind::put: {
        wire::frame f;
        f.op = in_message_ ? wire::opcode::continuation : (o.text ? wire::opcode::text : wire::opcode::binary);
        f.fin = o.fin;
        f.payload = o.payload;
        in_message_ = !o.fin;
        a_.put(std::move(f));
        return simple(answer::kind::ok);
      }
      case op::kind::end: end(); return simple(answer::kind::ok);
      case op::kind::get: return get();
      case op::kind::get_fragment: return get_fragment();
      case op::kind::put_back: a_.put_back(); return simple(answer::kind::ok);
      case op::kind::second_consumer: return simple(a_.acquire() ? answer::kind::admitted : answer::kind::refused);
    }
    LASTWORD_ASSERT(false && "unknown operation");
    return {};
  }
  bool paused() const override { return a_.paused(); }

 protected:
  virtual void end() { a_.end(); }
  virtual answer get() {
    message m;
    const auto st = a_.get(m);
    if (st == get_status::ready) return message_answer(m.text, std::move(m.data));
    return simple(st == get_status::end_of_stream ? answer::kind::end_of_stream : answer::kind::would_block);
  }
  virtual answer get_fragment() {
    fragment f;
    const auto st = a_.get_fragment(f);
    if (st == get_status::ready) return fragment_answer(f.text, f.fin, std::move(f.data));
    return simple(st == get_status::end_of_stream ? answer::kind::end_of_stream : answer::kind::would_block);
  }

  message_assembler a_;
  bool in_message_ = false;
};

// python-websockets 14.0: "closed?" asked before "anything queued?".
class closed_before_drain final : public reference_queue {
 public:
  using reference_queue::reference_queue;

 private:
  void end() override {
    ended_ = true;
    a_.end();
  }
  answer get() override { return ended_ ? simple(answer::kind::end_of_stream) : reference_queue::get(); }
  answer get_fragment() override {
    return ended_ ? simple(answer::kind::end_of_stream) : reference_queue::get_fragment();
  }
  bool ended_ = false;
};

// ws14-abort-clears-queue (python-websockets 14.0): losing the connection
// without a close frame empties the queue.
class abort_clears_queue final : public reference_queue {
 public:
  using reference_queue::reference_queue;
  answer apply(const op& o) override {
    if (o.k == op::kind::end && !ended_) {
      ended_ = true;
      if (o.abort) a_.clear();  // only the end that ends the input says how it ended
    }
    return reference_queue::apply(o);
  }

 private:
  bool ended_ = false;
};

// queue-pause-outlives-end (planted, the queue's flow control): the pause
// flag is kept when the input ends, instead of lifted.
class pause_outlives_end final : public reference_queue {
 public:
  using reference_queue::reference_queue;
  answer apply(const op& o) override {
    if (o.k == op::kind::end && !ended_) {
      paused_at_end_ = a_.paused();
      ended_ = true;
    }
    return reference_queue::apply(o);
  }
  bool paused() const override { return ended_ ? paused_at_end_ : a_.paused(); }

 private:
  bool ended_ = false, paused_at_end_ = false;
};

}  // namespace

std::unique_ptr<queue_under_test> make_reference_queue(options o) { return std::make_unique<reference_queue>(o); }
std::unique_ptr<queue_under_test> make_closed_before_drain_queue(options o) {
  return std::make_unique<closed_before_drain>(o);
}
std::unique_ptr<queue_under_test> make_abort_clears_queue(options o) { return std::make_unique<abort_clears_queue>(o); }
std::unique_ptr<queue_under_test> make_pause_outlives_end_queue(options o) {
  return std::make_unique<pause_outlives_end>(o);
}

assembler_case assembler_case_from_bytes(std::span<const std::uint8_t> bytes) {
  assembler_case c;
  assembler_case_from_bytes(bytes, c);
  return c;
}

void assembler_case_from_bytes(std::span<const std::uint8_t> bytes, assembler_case& c) {
  static const char* const pieces[] = {"a", "hello", "caf\xc3", "\xa9", "\xe2\x82", "\xac", "", "0123456789"};
  static const std::size_t highs[] = {16, 2, 1, 0};
  c.opts = {};
  c.ops.clear();
  const std::uint8_t b0 = bytes.size() > 0 ? bytes[0] : 0;
  c.opts.high = highs[b0 % 4];
  c.opts.low = c.opts.high == 0 ? 0 : (b0 >> 2) % (c.opts.high + 1);
  c.ops.reserve(bytes.size() / 2);
  for (std::size_t i = 1; i + 1 < bytes.size() + 1 && i < bytes.size(); i += 2) {
    const std::uint8_t k = bytes[i], v = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    op o;
    switch (k % 10) {
      case 0: case 1: case 2: case 3:
        o.k = op::kind::put;
        o.fin = (v & 1) == 0;
        o.text = (v & 2) == 0;
        o.payload = pieces[(v >> 2) % 8];
        break;
      case 4: case 5: o.k = op::kind::get; break;
      case 6: o.k = op::kind::get_fragment; break;
      case 7: o.k = op::kind::put_back; break;
      case 8:
        o.k = (v % 4 == 0) ? op::kind::end : op::kind::get;
        o.abort = (v & 4) != 0;
        break;
      default: o.k = op::kind::second_consumer; break;
    }
    c.ops.push_back(std::move(o));
  }
}

namespace {

// One run of the case; with `trace`, every operation applied and its answer
// is written there (only to report a disagreement: the run is repeated with
// it, since a run is a pure function of the case).
std::string run_case(const assembler_case& c, queue_factory make, std::string* trace) {
  thread_local queue_model model{{}};  // its memory is reused from case to case
  model.reset(c.opts);
  auto impl = make(c.opts);
  for (const op& o : c.ops) {
    if (!model.allowed(o)) continue;
    const answer want = model.apply(o), got = impl->apply(o);
    if (trace) *trace += "  " + describe(o) + " -> " + to_string(got) + "\n";
    if (got != want)
      return describe(o) + " answered " + to_string(got) + ", the model expects " + to_string(want) +
             " (D, P, X or K)\n";
    if (impl->paused() != model.paused())
      return std::string("after ") + describe(o) + ", paused() is " + (impl->paused() ? "true" : "false") +
             ", the model expects " + (model.paused() ? "true" : "false") + " (F)\n";
  }
  return {};
}

}  // namespace

std::string check_assembler(const assembler_case& c, queue_factory make) {
  if (run_case(c, make, nullptr).empty()) return {};
  std::string trace =
      "options: high " + std::to_string(c.opts.high) + ", low " + std::to_string(c.opts.low) + "\n";
  const std::string what = run_case(c, make, &trace);
  LASTWORD_ASSERT(!what.empty() && "a check that failed once fails again");
  return what + trace;
}

char invariant_of(std::string_view disagreement) {
  return disagreement.find("paused") != std::string_view::npos ? 'F' : 'D';
}

}  // namespace lastword::assembler
