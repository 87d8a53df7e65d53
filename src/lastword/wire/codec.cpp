#include "lastword/wire/codec.hpp"

#include <algorithm>
#include <cstring>

#include "lastword/wire/assert.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/mask.hpp"

namespace lastword::wire {
namespace {

constexpr std::size_t payload_chunk = 16 * 1024;

std::uint64_t read_be(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

frame_decoder::status frame_decoder::fail(wire::error e) noexcept {
  error_ = e;
  return status::failed;
}

wire::error frame_decoder::check_first_byte() const noexcept {
  const unsigned char b = header_[0];
  // Section 5.2: RSV1-3 MUST be 0 unless an extension defines them.
  // permessage-deflate defines RSV1 (RFC 7692 section 6).
  if (b & (options_.compression ? 0x30 : 0x70)) return wire::error::reserved_bits_set;
  const std::uint8_t code = b & 0x0F;
  // Section 5.2: reserved opcodes fail the connection.
  if (!is_known_opcode(code)) return wire::error::unknown_opcode;
  const auto op = static_cast<opcode>(code);
  // RFC 7692 section 6.1: RSV1 is set on the first frame of a message only;
  // on a control or continuation frame it fails the connection.
  if ((b & 0x40) && (is_control(op) || op == opcode::continuation)) return wire::error::reserved_bits_set;
  const bool fin = (b & 0x80) != 0;
  // Section 5.5: control frames MUST NOT be fragmented.
  if (is_control(op) && !fin) return wire::error::control_frame_fragmented;
  // Section 5.4: a continuation needs a message to continue, and a new
  // message cannot start inside a fragmented one.
  if (op == opcode::continuation && !in_message_) return wire::error::continuation_without_start;
  if ((op == opcode::text || op == opcode::binary) && in_message_)
    return wire::error::data_frame_inside_message;
  return wire::error{};
}

wire::error frame_decoder::check_second_byte() noexcept {
  const unsigned char b = header_[1];
  masked_ = (b & 0x80) != 0;
  // Section 5.1: a server closes on an unmasked frame, a client on a masked one.
  if (options_.local_role == role::server && !masked_) return wire::error::mask_required;
  if (options_.local_role == role::client && masked_) return wire::error::mask_forbidden;
  const std::uint8_t len7 = b & 0x7F;
  const auto op = static_cast<opcode>(header_[0] & 0x0F);
  // Section 5.5: control payloads are at most 125 bytes.
  if (is_control(op) && len7 > max_control_payload) return wire::error::control_frame_too_long;
  // Section 5.5.1: a close body, if any, starts with a 2-byte code.
  if (op == opcode::close && len7 == 1) return wire::error::close_payload_one_byte;
  need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked_ ? 4 : 0);
  return wire::error{};
}

wire::error frame_decoder::check_header() noexcept {
  fin_ = (header_[0] & 0x80) != 0;
  op_ = static_cast<opcode>(header_[0] & 0x0F);
  const std::uint8_t len7 = header_[1] & 0x7F;
  std::size_t pos = 2;
  if (len7 == 126) {
    length_ = read_be(header_ + 2, 2);
    pos = 4;
    // Section 5.2: the minimal number of bytes MUST be used.
    if (length_ < 126) return wire::error::non_minimal_length;
  } else if (len7 == 127) {
    length_ = read_be(header_ + 2, 8);
    pos = 10;
    // Section 5.2: the most significant bit MUST be 0.
    if (length_ >> 63) return wire::error::length_top_bit_set;
    if (length_ <= 0xFFFF) return wire::error::non_minimal_length;
  } else {
    length_ = len7;
  }
  if (masked_) std::copy(header_ + pos, header_ + pos + 4, key_.begin());
  // Section 10.4: limits are checked before any payload byte is buffered.
  if (!is_control(op_)) {
    if (length_ > options_.max_frame_size) return wire::error::frame_too_big;
    const std::uint64_t so_far = op_ == opcode::continuation ? message_size_ : 0;
    if (length_ > options_.max_message_size - so_far) return wire::error::message_too_big;
  }
  if (op_ == opcode::text || op_ == opcode::binary) {
    message_op_ = op_;
    message_compressed_ = (header_[0] & 0x40) != 0;
    message_size_ = 0;
    utf8_.reset();
  }
  return wire::error{};
}

wire::error frame_decoder::finish_frame(frame& out) {
  out.op = op_;
  out.fin = fin_;
  out.compressed = (header_[0] & 0x40) != 0;
  stage_ = stage::header;
  have_ = 0;
  need_ = 2;
  if (op_ == opcode::close) {
    close_payload parsed;
    if (auto ec = parse_close_payload(out.payload, parsed))
      return static_cast<wire::error>(ec.value());
    return wire::error{};
  }
  if (is_control(op_)) return wire::error{};
  if (!fin_) {
    in_message_ = true;
    return wire::error{};
  }
  in_message_ = false;
  // Section 8.1: a text message ending inside a code point is invalid.
  if (message_op_ == opcode::text && !message_compressed_ && !utf8_.complete()) return wire::error::invalid_utf8;
  return wire::error{};
}

frame_decoder::status frame_decoder::decode(std::string_view& in, frame& out) {
  if (error_) return status::failed;
  if (stage_ == stage::header) {
    while (have_ < need_) {
      if (in.empty()) return status::need_more;
      if (have_ >= 2) {
        // Extended length and key: no rule applies before they are complete.
        const std::size_t n = std::min(need_ - have_, in.size());
        std::memcpy(header_ + have_, in.data(), n);
        have_ += n;
        in.remove_prefix(n);
        consumed_ += n;
        continue;
      }
      header_[have_++] = static_cast<unsigned char>(in.front());
      in.remove_prefix(1);
      ++consumed_;
      if (have_ == 1) {
        if (auto e = check_first_byte(); e != wire::error{}) return fail(e);
      } else {
        if (auto e = check_second_byte(); e != wire::error{}) return fail(e);
      }
    }
    if (auto e = check_header(); e != wire::error{}) return fail(e);
    stage_ = stage::payload;
    read_ = 0;
    out.payload.clear();
    // Reserve at most one chunk ahead: a header alone never makes us
    // allocate up to the size limit.
    out.payload.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(length_, 4 * payload_chunk)));
  }
  const bool text = !is_control(op_) && message_op_ == opcode::text && !message_compressed_;
  while (read_ < length_) {
    if (in.empty()) return status::need_more;
    const auto n = static_cast<std::size_t>(
        std::min<std::uint64_t>({length_ - read_, in.size(), payload_chunk}));
    const std::size_t at = out.payload.size();
    // The chunk is zeroed then overwritten while it sits in L1 cache; the
    // copy unmasks (and, for text, finds the ASCII prefix) in the same pass.
    out.payload.append(n, '\0');
    char* chunk = out.payload.data() + at;
    const mask_key key = masked_ ? key_ : mask_key{};
    const auto phase = static_cast<std::size_t>(read_);
    std::size_t ascii = 0;
    if (text && utf8_.complete())
      ascii = copy_masked_ascii_prefix(chunk, in.data(), n, key, phase);
    else
      copy_masked(chunk, in.data(), n, key, phase);
    in.remove_prefix(n);
    consumed_ += n;
    read_ += n;
    if (!is_control(op_)) message_size_ += n;
    // Section 8.1: fail fast on text that can no longer become valid.
    if (text && ascii < n) {
      const std::size_t valid = ascii + utf8_.feed_until_error({chunk + ascii, n - ascii});
      if (valid != n) {
        // Report the error just past the offending byte, whatever the split.
        consumed_ -= n - valid - 1;
        return fail(wire::error::invalid_utf8);
      }
    }
  }
  if (auto e = finish_frame(out); e != wire::error{}) return fail(e);
  return status::frame;
}

void encode_header(std::string& out, const header_fields& h) {
  unsigned char b0 = static_cast<unsigned char>(h.opcode & 0x0F);
  if (h.fin) b0 |= 0x80;
  if (h.rsv1) b0 |= 0x40;
  if (h.rsv2) b0 |= 0x20;
  if (h.rsv3) b0 |= 0x10;
  int ext = h.extended_length_bytes;
  if (ext == 0) ext = h.length < 126 ? 0 : h.length <= 0xFFFF ? 2 : 8;
  LASTWORD_ASSERT(ext == 0 || ext == 2 || ext == 8);
  LASTWORD_ASSERT(ext != 0 || h.length < 126);
  LASTWORD_ASSERT(ext != 2 || h.length <= 0xFFFF);
  const unsigned char len7 = ext == 0 ? static_cast<unsigned char>(h.length) : ext == 2 ? 126 : 127;
  out.push_back(static_cast<char>(b0));
  out.push_back(static_cast<char>(len7 | (h.masked ? 0x80 : 0)));
  for (int i = ext - 1; i >= 0; --i) out.push_back(static_cast<char>((h.length >> (8 * i)) & 0xFF));
  if (h.masked) out.append(reinterpret_cast<const char*>(h.key.data()), 4);
}

void encode_frame(std::string& out, opcode op, bool fin, std::string_view payload,
                  const mask_key* key) {
  header_fields h;
  h.fin = fin;
  h.opcode = static_cast<std::uint8_t>(op);
  h.length = payload.size();
  if (key) {
    h.masked = true;
    h.key = *key;
  }
  encode_header(out, h);
  const std::size_t at = out.size();
  out.append(payload);
  if (key) apply_mask(out.data() + at, payload.size(), *key, 0);
}

std::string_view opcode_name(opcode op) noexcept {
  switch (op) {
    case opcode::continuation: return "continuation";
    case opcode::text: return "text";
    case opcode::binary: return "binary";
    case opcode::close: return "close";
    case opcode::ping: return "ping";
    case opcode::pong: return "pong";
  }
  return "unknown";
}

}  // namespace lastword::wire
