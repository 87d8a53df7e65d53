#include "lastword/wire/deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <vector>

#include "lastword/wire/assert.hpp"

namespace lastword::wire {
namespace {

constexpr std::string_view tail = std::string_view("\x00\x00\xff\xff", 4);

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(trim(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

bool parse_bits(std::string_view v, int& bits) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  // Section 7.1.2.1: a decimal integer 8..15 without leading zeros.
  if (v.empty() || v.size() > 2 || v.front() == '0') return false;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n < 8 || n > 15) return false;
  bits = n;
  return true;
}

// One extension's parameters; false when a parameter is unknown, repeated
// or has an invalid value (section 7.1: such an offer is declined).
bool parse_params(const std::vector<std::string_view>& items, deflate_params& p, bool& client_bits_offered,
                  bool response) {
  bool seen[4] = {};
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto eq = items[i].find('=');
    const std::string_view name = trim(items[i].substr(0, eq));
    const std::optional<std::string_view> value =
        eq == std::string_view::npos ? std::nullopt : std::optional(trim(items[i].substr(eq + 1)));
    int slot = name == "server_no_context_takeover" ? 0 : name == "client_no_context_takeover" ? 1
             : name == "server_max_window_bits" ? 2 : name == "client_max_window_bits" ? 3 : -1;
    if (slot < 0 || seen[slot]) return false;
    seen[slot] = true;
    switch (slot) {
      case 0: if (value) return false; p.server_no_context_takeover = true; break;
      case 1: if (value) return false; p.client_no_context_takeover = true; break;
      case 2: if (!value || !parse_bits(*value, p.server_max_window_bits)) return false; break;
      case 3:
        // Section 7.1.2.2: in an offer it may come without a value; in a
        // response it must have one.
        client_bits_offered = true;
        if (value) {
          if (!parse_bits(*value, p.client_max_window_bits)) return false;
        } else if (response) {
          return false;
        }
        break;
    }
  }
  return true;
}

}  // namespace

std::optional<deflate_params> accept_deflate_offer(std::string_view offers, bool no_context_takeover) {
  for (std::string_view offer : split(offers, ',')) {
    const auto items = split(offer, ';');
    if (items.empty() || items[0] != "permessage-deflate") continue;
    deflate_params p;
    bool client_bits = false;
    if (!parse_params(items, p, client_bits, false)) continue;
    // Section 7.1.2.2: without client_max_window_bits in the offer, the
    // server may not limit the client's window.
    if (!client_bits) p.client_max_window_bits = 15;
    // zlib cannot write an 8-bit window (see deflater): decline the offer.
    if (p.server_max_window_bits == 8) continue;
    if (no_context_takeover) p.server_no_context_takeover = p.client_no_context_takeover = true;
    return p;
  }
  return std::nullopt;
}

std::string deflate_header(const deflate_params& p) {
  std::string h = "permessage-deflate";
  if (p.server_no_context_takeover) h += "; server_no_context_takeover";
  if (p.client_no_context_takeover) h += "; client_no_context_takeover";
  if (p.server_max_window_bits != 15) h += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
  if (p.client_max_window_bits != 15) h += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
  return h;
}

std::optional<deflate_params> parse_deflate_response(std::string_view response, bool& bad) {
  bad = false;
  if (trim(response).empty()) return std::nullopt;
  const auto exts = split(response, ',');
  // Section 5: the response names one extension this client offered.
  if (exts.size() != 1) {
    bad = true;
    return std::nullopt;
  }
  const auto items = split(exts[0], ';');
  if (items[0] != "permessage-deflate") {
    bad = true;
    return std::nullopt;
  }
  deflate_params p;
  bool client_bits = false;
  if (!parse_params(items, p, client_bits, true)) {
    bad = true;
    return std::nullopt;
  }
  return p;
}

struct deflater::state {
  z_stream z{};
  int bits = 15;
  bool ready = false;  // deflateInit2 has run
};

deflater::deflater(bool no_context_takeover, int window_bits)
    : s_(std::make_unique<state>()), no_context_takeover_(no_context_takeover) {
  // zlib writes raw deflate with a window of at least 9 bits (it turns 8
  // into 9), so accept_deflate_offer never agrees to 8 for our side.
  s_->bits = std::clamp(window_bits, 9, 15);
  // zlib's stream is set up at the first message: setting it up allocates
  // about 270 KB and clears its 128 KB hash table, which a connection that
  // never sends a message (or a peer script without data) does not need.
}

deflater::deflater(deflater&&) noexcept = default;

deflater::~deflater() {
  if (s_ && s_->ready) deflateEnd(&s_->z);
}

std::string deflater::compress(std::string_view message) {
  std::string out;
  z_stream& z = s_->z;
  if (!s_->ready) {
    const int rc = deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -s_->bits, 8, Z_DEFAULT_STRATEGY);
    LASTWORD_ASSERT(rc == Z_OK);
    s_->ready = true;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  z.avail_in = static_cast<uInt>(message.size());
  char buf[16384];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = ::deflate(&z, Z_SYNC_FLUSH);
    LASTWORD_ASSERT(rc == Z_OK || rc == Z_BUF_ERROR);
    out.append(buf, sizeof buf - z.avail_out);
  } while (z.avail_out == 0);
  // Section 7.2.1: remove the 4 octets 00 00 ff ff at the tail. With
  // nothing to flush zlib writes nothing: section 7.2.3.6 sends an empty
  // message as the single octet 0x00.
  if (out.size() >= 4 && std::string_view(out).substr(out.size() - 4) == tail) out.resize(out.size() - 4);
  else LASTWORD_ASSERT(message.empty() && out.empty());
  if (out.empty()) out.push_back('\0');
  if (no_context_takeover_) deflateReset(&z);
  return out;
}

struct inflater::state {
  z_stream z{};
};

inflater::inflater(bool no_context_takeover, int window_bits, std::uint64_t max_size)
    : s_(std::make_unique<state>()), no_context_takeover_(no_context_takeover), max_size_(max_size) {
  // Inflating with the largest window reads any smaller one.
  (void)window_bits;
  const int rc = inflateInit2(&s_->z, -15);
  LASTWORD_ASSERT(rc == Z_OK);
}

inflater::inflater(inflater&&) noexcept = default;

inflater::~inflater() {
  if (s_) inflateEnd(&s_->z);
}

inflater::status inflater::inflate_part(std::string_view payload, bool last, std::string& out) {
  out.clear();
  if (!in_message_) final_block_ = unfinished_block_ = false;
  in_message_ = !last;
  z_stream& z = s_->z;
  // Section 7.2.2: append 00 00 ff ff to the message, then inflate.
  std::string in(payload);
  if (last) in.append(tail);
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  status result = status::ok;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = ::inflate(&z, Z_SYNC_FLUSH);
    const std::size_t got = sizeof buf - z.avail_out;
    // How far the data went, even when its output is past the limit.
    if (rc == Z_STREAM_END) final_block_ = true;
    // The bound is on the inflated size, checked every 16 KiB of output.
    if (message_size_ + out.size() + got > max_size_) {
      result = status::too_big;
      break;
    }
    out.append(buf, got);
    if (rc == Z_STREAM_END) {
      // A final block (BFINAL) ends the DEFLATE stream; whatever follows it
      // other than the appended tail is not DEFLATE data.
      if (z.avail_in > 0 && std::string_view(reinterpret_cast<const char*>(z.next_in), z.avail_in) != tail)
        result = status::bad_data;
      inflateReset(&z);
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      result = status::bad_data;
      break;
    }
    // Done when every input byte was used and zlib had room to spare.
    if (z.avail_in == 0 && z.avail_out != 0) break;
    if (rc == Z_BUF_ERROR && z.avail_out != 0) break;
  }
  // Section 7.2.1: the sender's data ends where a sync flush ends it, so
  // with the 4 octets appended the inflater stands at a block boundary
  // (zlib: data_type bit 128), unless a final block ended the stream. A
  // message that stops inside a block was cut or altered: it does not
  // inflate to a message.
  if (result == status::ok && last && !final_block_ && !(z.data_type & 128)) {
    result = status::bad_data;
    unfinished_block_ = true;
  }
  message_size_ += out.size();
  if (last || result != status::ok) message_size_ = 0;
  if (result != status::ok) in_message_ = false;
  if (result != status::ok || (last && no_context_takeover_)) inflateReset(&z);
  return result;
}

error message_inflater::inflate(frame& f) {
  if (f.op != opcode::continuation) {
    compressed_ = f.compressed;
    text_ = f.op == opcode::text;
    utf8_.reset();
  }
  out_.clear();
  if (!compressed_) return {};
  switch (inflater_.inflate_part(f.payload, f.fin, out_)) {
    case inflater::status::ok: break;
    case inflater::status::bad_data: return error::bad_compressed_data;
    // RFC 6455 section 10.4: the limit holds for what the receiver buffers,
    // the inflated message.
    case inflater::status::too_big: return error::inflated_too_big;
  }
  // RFC 6455 section 8.1, on the inflated text (RFC 7692 section 6).
  if (text_ && (!utf8_.feed(out_) || (f.fin && !utf8_.complete()))) return error::invalid_utf8;
  f.payload = std::move(out_);
  out_.clear();
  f.compressed = false;
  return {};
}

message_inflater receiving_inflater(const deflate_params& p, role receiver, std::uint64_t max_message_size) {
  const bool from_server = receiver == role::client;
  return message_inflater(from_server ? p.server_no_context_takeover : p.client_no_context_takeover,
                          from_server ? p.server_max_window_bits : p.client_max_window_bits, max_message_size);
}

std::unique_ptr<deflater> sending_deflater(const deflate_params& p, role sender) {
  const bool server = sender == role::server;
  return std::make_unique<deflater>(server ? p.server_no_context_takeover : p.client_no_context_takeover,
                                    server ? p.server_max_window_bits : p.client_max_window_bits);
}

}  // namespace lastword::wire
