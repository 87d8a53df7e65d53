#include "lastword/assembler/assembler_check.hpp"

#include <sstream>

#include "lastword/wire/assert.hpp"
#include "lastword/wire/text.hpp"

namespace lastword::assembler {

namespace {

std::string render_message(bool text, const std::string& data) {
  return std::string("message ") + (text ? "text " : "binary ") + wire::quoted(data);
}

std::string render_fragment(bool text, bool fin, const std::string& data) {
  return std::string("fragment ") + (text ? "text " : "binary ") + (fin ? "fin " : "more ") + wire::quoted(data);
}

}  // namespace

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

std::size_t queue_model::complete_queued() const {
  std::size_t n = 0;
  for (std::size_t i = next_ + taken_; i < frames_.size(); ++i) n += frames_[i].fin ? 1 : 0;
  return n;
}

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

std::string queue_model::apply(const op& o) {
  LASTWORD_ASSERT(allowed(o));
  switch (o.k) {
    case op::kind::put:
      if (!in_message_) message_text_ = o.text;
      frames_.push_back({message_text_, o.fin, o.payload});
      in_message_ = !o.fin;
      update_pause();
      return "ok";
    case op::kind::end:
      ended_ = true;
      return "ok";
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
        return render_message(text, data);
      }
      return ended_ ? "end_of_stream" : "would_block";
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
        return render_fragment(f.text, f.fin, f.payload);
      }
      if (!ended_) return "would_block";
      // P: what a stream yielded before the end is delivered.
      next_ += taken_;
      taken_ = 0;
      return "end_of_stream";
    }
    case op::kind::put_back:
      // X: a cancelled stream's fragments are seen again by the next call.
      taken_ = 0;
      update_pause();
      return "ok";
    case op::kind::second_consumer: return "refused";  // K
  }
  return "?";
}

// --- the reference and planted variants -----------------------------------------

namespace {

class reference_queue : public queue_under_test {
 public:
  explicit reference_queue(options o) : a_(o) { LASTWORD_ASSERT(a_.acquire()); }

  std::string apply(const op& o) override {
    switch (o.k) {
      case op::kind::put: {
        wire::frame f;
        f.op = in_message_ ? wire::opcode::continuation : (o.text ? wire::opcode::text : wire::opcode::binary);
        f.fin = o.fin;
        f.payload = o.payload;
        in_message_ = !o.fin;
        a_.put(std::move(f));
        return "ok";
      }
      case op::kind::end: end(); return "ok";
      case op::kind::get: return get();
      case op::kind::get_fragment: return get_fragment();
      case op::kind::put_back: a_.put_back(); return "ok";
      case op::kind::second_consumer: {
        if (!a_.acquire()) return "refused";
        return "admitted";
      }
    }
    return "?";
  }
  bool paused() const override { return a_.paused(); }

 protected:
  virtual void end() { a_.end(); }
  virtual std::string get() {
    message m;
    const auto st = a_.get(m);
    if (st == get_status::ready) return render_message(m.text, m.data);
    return st == get_status::end_of_stream ? "end_of_stream" : "would_block";
  }
  virtual std::string get_fragment() {
    fragment f;
    const auto st = a_.get_fragment(f);
    if (st == get_status::ready) return render_fragment(f.text, f.fin, f.data);
    return st == get_status::end_of_stream ? "end_of_stream" : "would_block";
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
  std::string get() override { return ended_ ? "end_of_stream" : reference_queue::get(); }
  std::string get_fragment() override { return ended_ ? "end_of_stream" : reference_queue::get_fragment(); }
  bool ended_ = false;
};

// ws14-abort-clears-queue (python-websockets 14.0): losing the connection
// without a close frame empties the queue.
class abort_clears_queue final : public reference_queue {
 public:
  using reference_queue::reference_queue;
  std::string apply(const op& o) override {
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
  std::string apply(const op& o) override {
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
  static const char* const pieces[] = {"a", "hello", "caf\xc3", "\xa9", "\xe2\x82", "\xac", "", "0123456789"};
  static const std::size_t highs[] = {16, 2, 1, 0};
  assembler_case c;
  const std::uint8_t b0 = bytes.size() > 0 ? bytes[0] : 0;
  c.opts.high = highs[b0 % 4];
  c.opts.low = c.opts.high == 0 ? 0 : (b0 >> 2) % (c.opts.high + 1);
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
  return c;
}

std::string check_assembler(const assembler_case& c, queue_factory make) {
  queue_model model(c.opts);
  auto impl = make(c.opts);
  std::vector<std::string> done;
  const auto trace = [&] {
    std::ostringstream s;
    s << "options: high " << c.opts.high << ", low " << c.opts.low << "\n";
    for (const auto& d : done) s << "  " << d << '\n';
    return s.str();
  };
  for (const op& o : c.ops) {
    if (!model.allowed(o)) continue;
    const std::string want = model.apply(o), got = impl->apply(o);
    done.push_back(describe(o) + " -> " + got);
    if (got != want)
      return describe(o) + " answered " + got + ", the model expects " + want + " (D, P, X or K)\n" + trace();
    if (impl->paused() != model.paused())
      return std::string("after ") + describe(o) + ", paused() is " + (impl->paused() ? "true" : "false") +
             ", the model expects " + (model.paused() ? "true" : "false") + " (F)\n" + trace();
  }
  return {};
}

char invariant_of(std::string_view disagreement) {
  return disagreement.find("paused") != std::string_view::npos ? 'F' : 'D';
}

}  // namespace lastword::assembler
