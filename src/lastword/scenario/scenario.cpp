#include "lastword/scenario/scenario.hpp"

#include <charconv>
#include <limits>

#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/mask.hpp"

namespace lastword::scenario {
namespace {

struct token {
  std::string text;    // the word, or the decoded payload
  bool payload = false;  // quoted string or hex:
  std::size_t column = 0;
  bool separator = false;  // ';'
};

struct line_error {
  std::size_t column;
  std::string message;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits one line into tokens; stops at '#' outside quotes.
std::variant<std::vector<token>, line_error> tokenize(std::string_view line) {
  std::vector<token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') break;
    token t;
    t.column = i + 1;
    if (c == ';') {
      t.separator = true;
      out.push_back(t);
      ++i;
      continue;
    }
    if (c == '"') {
      t.payload = true;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char d = line[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d != '\\') {
          t.text.push_back(d);
        } else {
          if (i >= line.size()) return line_error{i, "unfinished escape"};
          const char e = line[i++];
          switch (e) {
            case '"': t.text.push_back('"'); break;
            case '\\': t.text.push_back('\\'); break;
            case 'n': t.text.push_back('\n'); break;
            case 'r': t.text.push_back('\r'); break;
            case 't': t.text.push_back('\t'); break;
            case 'x': {
              if (i + 2 > line.size() || hex_value(line[i]) < 0 || hex_value(line[i + 1]) < 0)
                return line_error{i, "\\x needs two hex digits"};
              t.text.push_back(static_cast<char>(hex_value(line[i]) * 16 + hex_value(line[i + 1])));
              i += 2;
              break;
            }
            default: return line_error{i - 1, std::string("unknown escape \\") + e};
          }
        }
        if (t.text.size() > max_payload) return line_error{t.column, "payload too large"};
      }
      if (!closed) return line_error{t.column, "unterminated string"};
      out.push_back(std::move(t));
      continue;
    }
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' && line[j] != ';' &&
           line[j] != '#' && line[j] != '"')
      ++j;
    const std::string_view word = line.substr(i, j - i);
    if (word.starts_with("hex:")) {
      t.payload = true;
      const std::string_view digits = word.substr(4);
      if (digits.size() % 2 != 0) return line_error{t.column, "hex payload needs an even number of digits"};
      if (digits.size() / 2 > max_payload) return line_error{t.column, "payload too large"};
      for (std::size_t k = 0; k < digits.size(); k += 2) {
        const int hi = hex_value(digits[k]), lo = hex_value(digits[k + 1]);
        if (hi < 0 || lo < 0) return line_error{t.column + 4 + k, "not a hex digit"};
        t.text.push_back(static_cast<char>(hi * 16 + lo));
      }
    } else {
      t.text = std::string(word);
    }
    out.push_back(std::move(t));
    i = j;
  }
  return out;
}

class statement {
 public:
  statement(const std::vector<token>& toks, std::size_t begin, std::size_t end, std::size_t eol_column)
      : toks_(toks), at_(begin), end_(end), eol_column_(eol_column) {}

  bool done() const { return at_ >= end_; }
  std::size_t column() const { return done() ? eol_column_ : toks_[at_].column; }

  std::optional<std::string> word() {
    if (done() || toks_[at_].payload) return std::nullopt;
    return toks_[at_++].text;
  }
  bool accept(std::string_view w) {
    if (!done() && !toks_[at_].payload && toks_[at_].text == w) {
      ++at_;
      return true;
    }
    return false;
  }
  bool next_is_payload() const { return !done() && toks_[at_].payload; }
  std::string take_payload() { return toks_[at_++].text; }

  // A non-negative integer up to `max`.
  std::variant<std::uint64_t, line_error> number(std::uint64_t max, const char* what) {
    const std::size_t col = column();
    if (done() || toks_[at_].payload) return line_error{col, std::string("expected ") + what};
    const std::string& s = toks_[at_].text;
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v > max)
      return line_error{col, std::string("expected ") + what + ", not '" + s + "'"};
    ++at_;
    return v;
  }

 private:
  const std::vector<token>& toks_;
  std::size_t at_, end_, eol_column_;
};

std::optional<line_error> parse_peer(statement& st, scenario& s) {
  const std::size_t col = st.column();
  const auto kind = st.word();
  if (!kind) return line_error{col, "expected a frame kind after 'peer'"};
  peer_frame f;
  using K = peer_frame::kind;
  if (*kind == "text") f.k = K::text;
  else if (*kind == "binary") f.k = K::binary;
  else if (*kind == "continuation") f.k = K::continuation;
  else if (*kind == "ping") f.k = K::ping;
  else if (*kind == "pong") f.k = K::pong;
  else if (*kind == "close") f.k = K::close;
  else if (*kind == "raw") f.k = K::raw;
  else return line_error{col, "unknown frame kind '" + *kind + "'"};
  if (f.k == K::close) {
    if (!st.done()) {
      auto code = st.number(65535, "a close code (0-65535)");
      if (auto* e = std::get_if<line_error>(&code)) return *e;
      f.code = static_cast<std::uint16_t>(std::get<std::uint64_t>(code));
      if (st.next_is_payload()) f.reason = st.take_payload();
    }
  } else {
    if (!st.next_is_payload()) return line_error{st.column(), "expected a payload (\"text\" or hex:...)"};
    f.payload = st.take_payload();
    if (f.k == K::text || f.k == K::binary || f.k == K::continuation) {
      if (st.accept("more")) f.fin = false;
    }
  }
  if (!st.done()) return line_error{st.column(), "unexpected text after the frame"};
  s.peer.push_back(std::move(f));
  return std::nullopt;
}

std::optional<line_error> parse_step(statement& st, scenario& s) {
  constexpr std::uint64_t max_ms = std::uint64_t{1} << 40;
  const std::size_t col = st.column();
  const auto w = st.word();
  if (!w) return line_error{col, "expected a statement"};
  step p;
  using K = step::kind;
  auto num = [&](std::uint64_t max, const char* what) -> std::optional<line_error> {
    auto v = st.number(max, what);
    if (auto* e = std::get_if<line_error>(&v)) return *e;
    p.n = std::get<std::uint64_t>(v);
    return std::nullopt;
  };
  if (*w == "read") {
    if (st.accept("all")) {
      p.k = K::read_all;
    } else if (st.accept("frames")) {
      p.k = K::read_frames;
      if (auto e = num(1u << 20, "a frame count")) return e;
    } else {
      p.k = K::read_bytes;
      if (auto e = num(max_payload, "a byte count, 'frames N' or 'all'")) return e;
    }
  } else if (*w == "eof") {
    p.k = K::eof;
  } else if (*w == "reset") {
    p.k = K::reset;
  } else if (*w == "recv") {
    p.k = K::recv;
    if (st.accept("timeout")) {
      auto v = st.number(max_ms, "a timeout in milliseconds");
      if (auto* e = std::get_if<line_error>(&v)) return *e;
      p.timeout = std::get<std::uint64_t>(v);
    }
  } else if (*w == "recv-streaming") {
    p.k = K::recv_streaming;
  } else if (*w == "cancel") {
    p.k = K::cancel;
  } else if (*w == "close") {
    p.k = K::close;
    if (!st.done()) {
      auto v = st.number(65535, "a close code (0-65535)");
      if (auto* e = std::get_if<line_error>(&v)) return *e;
      p.code = static_cast<std::uint16_t>(std::get<std::uint64_t>(v));
      if (st.next_is_payload()) p.reason = st.take_payload();
    }
  } else if (*w == "advance") {
    p.k = K::advance;
    if (auto e = num(max_ms, "milliseconds")) return e;
  } else if (*w == "send") {
    p.k = K::send;
    const std::size_t kcol = st.column();
    if (st.accept("text")) p.frame = peer_frame::kind::text;
    else if (st.accept("binary")) p.frame = peer_frame::kind::binary;
    else if (st.accept("continuation")) p.frame = peer_frame::kind::continuation;
    else return line_error{kcol, "send needs text, binary or continuation"};
    if (!st.next_is_payload()) return line_error{st.column(), "expected a payload (\"text\" or hex:...)"};
    p.payload = st.take_payload();
    if (st.accept("more")) p.fin = false;
  } else if (*w == "stall-writes") {
    p.k = K::stall_writes;
  } else if (*w == "release-writes") {
    p.k = K::release_writes;
  } else {
    return line_error{col, "unknown statement '" + *w + "'"};
  }
  if (!st.done()) return line_error{st.column(), "unexpected text after '" + *w + "'"};
  s.schedule.push_back(std::move(p));
  return std::nullopt;
}

std::optional<line_error> parse_header(statement& st, scenario& s, const std::string& w) {
  if (w == "role") {
    const std::size_t col = st.column();
    if (st.accept("client")) s.role = wire::role::client;
    else if (st.accept("server")) s.role = wire::role::server;
    else return line_error{col, "role must be client or server"};
  } else {
    const std::size_t col = st.column();
    const auto name = st.word();
    if (!name) return line_error{col, "expected an option name"};
    if (*name == "deflate") {
      s.opts.deflate = true;
      if (st.accept("no-context-takeover")) s.opts.deflate_no_context_takeover = true;
      if (!st.done()) return line_error{st.column(), "option deflate takes only 'no-context-takeover'"};
      return std::nullopt;
    }
    std::uint64_t* target = nullptr;
    std::uint64_t high = s.opts.high, low = s.opts.low;
    if (*name == "high") target = &high;
    else if (*name == "low") target = &low;
    else if (*name == "max-size") target = &s.opts.max_size;
    else if (*name == "close-timeout") target = &s.opts.close_timeout_ms;
    else return line_error{col, "unknown option '" + *name + "'"};
    auto v = st.number(std::uint64_t{1} << 40, "a number");
    if (auto* e = std::get_if<line_error>(&v)) return *e;
    *target = std::get<std::uint64_t>(v);
    s.opts.high = static_cast<std::size_t>(high);
    s.opts.low = static_cast<std::size_t>(low);
  }
  if (!st.done()) return line_error{st.column(), "unexpected text after '" + w + "'"};
  return std::nullopt;
}

void print_payload(std::string& out, std::string_view p) {
  bool printable = true;
  for (unsigned char c : p)
    if (c < 0x20 || c >= 0x7F) printable = false;
  if (!printable && !p.empty()) {
    static const char digits[] = "0123456789abcdef";
    out += "hex:";
    for (unsigned char c : p) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return;
  }
  out += '"';
  for (char c : p) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string_view frame_kind_name(peer_frame::kind k) {
  switch (k) {
    case peer_frame::kind::text: return "text";
    case peer_frame::kind::binary: return "binary";
    case peer_frame::kind::continuation: return "continuation";
    case peer_frame::kind::ping: return "ping";
    case peer_frame::kind::pong: return "pong";
    case peer_frame::kind::close: return "close";
    case peer_frame::kind::raw: return "raw";
  }
  return "?";
}

}  // namespace

std::string parse_error::to_string() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

std::string_view step_name(step::kind k) noexcept {
  switch (k) {
    case step::kind::read_bytes:
    case step::kind::read_frames:
    case step::kind::read_all: return "read";
    case step::kind::eof: return "eof";
    case step::kind::reset: return "reset";
    case step::kind::recv: return "recv";
    case step::kind::recv_streaming: return "recv-streaming";
    case step::kind::cancel: return "cancel";
    case step::kind::close: return "close";
    case step::kind::advance: return "advance";
    case step::kind::stall_writes: return "stall-writes";
    case step::kind::release_writes: return "release-writes";
    case step::kind::send: return "send";
  }
  return "?";
}

std::variant<scenario, parse_error> parse(std::string_view text) {
  scenario s;
  std::size_t line_no = 0, statements = 0;
  bool schedule_started = false;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto tokens = tokenize(line);
    if (auto* e = std::get_if<line_error>(&tokens)) return parse_error{line_no, e->column, e->message};
    const auto& toks = std::get<std::vector<token>>(tokens);
    if (toks.empty()) continue;
    if (++statements > max_statements) return parse_error{line_no, 1, "too many statements"};
    std::size_t begin = 0;
    const std::size_t steps_before = s.schedule.size();
    for (std::size_t i = 0; i <= toks.size(); ++i) {
      if (i < toks.size() && !toks[i].separator) continue;
      statement st(toks, begin, i, i < toks.size() ? toks[i].column : line.size() + 1);
      if (st.done()) return parse_error{line_no, st.column(), "empty statement"};
      const std::size_t col = st.column();
      const bool single = begin == 0 && i == toks.size();
      std::optional<line_error> err;
      if (!toks[begin].payload && toks[begin].text == "peer") {
        if (!single) return parse_error{line_no, col, "'peer' cannot share a line with ';'"};
        if (schedule_started) return parse_error{line_no, col, "peer frames come before the schedule"};
        st.word();
        err = parse_peer(st, s);
      } else if (!toks[begin].payload && (toks[begin].text == "role" || toks[begin].text == "option")) {
        if (!single) return parse_error{line_no, col, "'" + toks[begin].text + "' cannot share a line with ';'"};
        if (schedule_started || !s.peer.empty())
          return parse_error{line_no, col, "'" + toks[begin].text + "' comes before peer frames and steps"};
        const std::string w = *st.word();
        err = parse_header(st, s, w);
      } else {
        schedule_started = true;
        err = parse_step(st, s);
      }
      if (err) return parse_error{line_no, err->column, err->message};
      begin = i + 1;
    }
    for (std::size_t k = steps_before; k + 1 < s.schedule.size(); ++k) s.schedule[k].same_turn_as_next = true;
  }
  if (s.opts.low > s.opts.high)
    return parse_error{line_no, 1, "option low must not exceed option high"};
  if (s.opts.max_size == 0) return parse_error{line_no, 1, "option max-size must be positive"};
  return s;
}

std::string print(const scenario& s) {
  std::string out;
  out += s.role == wire::role::client ? "role client\n" : "role server\n";
  const options defaults;
  if (s.opts.high != defaults.high) out += "option high " + std::to_string(s.opts.high) + "\n";
  if (s.opts.low != defaults.low) out += "option low " + std::to_string(s.opts.low) + "\n";
  if (s.opts.max_size != defaults.max_size) out += "option max-size " + std::to_string(s.opts.max_size) + "\n";
  if (s.opts.close_timeout_ms != defaults.close_timeout_ms)
    out += "option close-timeout " + std::to_string(s.opts.close_timeout_ms) + "\n";
  if (s.opts.deflate) out += s.opts.deflate_no_context_takeover ? "option deflate no-context-takeover\n" : "option deflate\n";
  for (const auto& f : s.peer) {
    out += "peer ";
    out += frame_kind_name(f.k);
    if (f.k == peer_frame::kind::close) {
      if (f.code) {
        out += ' ' + std::to_string(*f.code);
        if (!f.reason.empty()) {
          out += ' ';
          print_payload(out, f.reason);
        }
      }
    } else {
      out += ' ';
      print_payload(out, f.payload);
      if (!f.fin) out += " more";
    }
    out += '\n';
  }
  for (const auto& p : s.schedule) {
    switch (p.k) {
      case step::kind::read_bytes: out += "read " + std::to_string(p.n); break;
      case step::kind::read_frames: out += "read frames " + std::to_string(p.n); break;
      case step::kind::read_all: out += "read all"; break;
      case step::kind::recv:
        out += "recv";
        if (p.timeout) out += " timeout " + std::to_string(*p.timeout);
        break;
      case step::kind::close:
        out += "close " + std::to_string(p.code);
        if (!p.reason.empty()) {
          out += ' ';
          print_payload(out, p.reason);
        }
        break;
      case step::kind::advance: out += "advance " + std::to_string(p.n); break;
      case step::kind::send:
        out += "send ";
        out += frame_kind_name(p.frame);
        out += ' ';
        print_payload(out, p.payload);
        if (!p.fin) out += " more";
        break;
      default: out += step_name(p.k); break;
    }
    out += p.same_turn_as_next ? "; " : "\n";
  }
  return out;
}

peer_bytes encode_peer(const scenario& s) {
  if (const auto p = deflate_params(s.opts)) return encode_peer(s, *p);
  peer_bytes out;
  // The peer masks when the implementation under test is a server.
  const wire::mask_key key{0x6c, 0x77, 0x2d, 0x31};
  const wire::mask_key* mask = s.role == wire::role::server ? &key : nullptr;
  std::size_t total = 0;
  for (const auto& f : s.peer) total += f.payload.size() + f.reason.size() + 16;
  out.bytes.reserve(total);
  out.frame_ends.reserve(s.peer.size());
  for (const auto& f : s.peer) {
    using K = peer_frame::kind;
    switch (f.k) {
      case K::raw: out.bytes += f.payload; break;
      case K::close: {
        std::string body;
        if (f.code) {
          body.push_back(static_cast<char>(*f.code >> 8));
          body.push_back(static_cast<char>(*f.code & 0xFF));
          body += f.reason;
        }
        wire::encode_frame(out.bytes, wire::opcode::close, true, body, mask);
        break;
      }
      default: {
        const wire::opcode op = f.k == K::text ? wire::opcode::text
                                : f.k == K::binary ? wire::opcode::binary
                                : f.k == K::continuation ? wire::opcode::continuation
                                : f.k == K::ping ? wire::opcode::ping
                                                 : wire::opcode::pong;
        // Control payloads over 125 bytes are written as they are: the
        // header still encodes them, and the receiver must fail.
        wire::header_fields h;
        h.fin = f.fin;
        h.opcode = static_cast<std::uint8_t>(op);
        h.length = f.payload.size();
        if (mask) {
          h.masked = true;
          h.key = *mask;
        }
        wire::encode_header(out.bytes, h);
        const std::size_t at = out.bytes.size();
        out.bytes += f.payload;
        // A word at a time: payloads reach 70 KB, encoded on every run.
        if (mask) wire::apply_mask(out.bytes.data() + at, f.payload.size(), key, 0);
        break;
      }
    }
    out.frame_ends.push_back(out.bytes.size());
  }
  return out;
}

}  // namespace lastword::scenario
