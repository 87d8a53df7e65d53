#include "lastword/cli/decode.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>

#include "lastword/cli/hex.hpp"
#include "lastword/protocol/connection.hpp"
#include "lastword/wire/text.hpp"

namespace lastword::cli {
namespace {

constexpr const char* decode_usage =
    "usage: lastword decode [--role client|server] [--hex] [--max-size BYTES] [FILE|-]\n"
    "  --role      the role of the endpoint that received the bytes (default client:\n"
    "              the stream is what a server sent, unmasked)\n"
    "  --hex       the input is a hex dump (white space and # comments allowed)\n"
    "  --max-size  message and frame size limit in bytes (default 1048576)\n"
    "  FILE        the received bytes; - or nothing reads standard input\n";

constexpr std::size_t preview_bytes = 40;
constexpr std::size_t read_chunk = 64 * 1024;

std::string preview(std::string_view payload) { return wire::quoted(payload, preview_bytes); }

void print_frame(std::ostream& out, std::size_t index, const wire::frame& f) {
  out << "frame " << index << ": " << wire::opcode_name(f.op) << " fin=" << (f.fin ? 1 : 0)
      << " len=" << f.payload.size();
  if (f.op == wire::opcode::close) {
    wire::close_payload cp;
    if (!wire::parse_close_payload(f.payload, cp))
      out << " code=" << cp.code << " reason=" << preview(cp.reason);
  } else {
    out << ' ' << preview(f.payload);
  }
  out << '\n';
}

// Describes the frames the endpoint would write back, without printing
// their (possibly masked) bytes.
void print_sent(std::ostream& out, std::string_view bytes, wire::role local) {
  wire::frame_decoder decoder(wire::decoder_options{
      local == wire::role::client ? wire::role::server : wire::role::client, 125, 125});
  wire::frame f;
  while (decoder.decode(bytes, f) == wire::frame_decoder::status::frame) {
    out << "  sent: " << wire::opcode_name(f.op);
    if (f.op == wire::opcode::close) {
      wire::close_payload cp;
      if (!wire::parse_close_payload(f.payload, cp)) out << " code=" << cp.code;
    } else {
      out << " len=" << f.payload.size();
    }
    out << '\n';
  }
}

struct decode_args {
  wire::role role = wire::role::client;
  bool hex = false;
  std::uint64_t max_size = wire::default_max_message_size;
  std::string file = "-";
};

std::optional<decode_args> parse_args(const std::vector<std::string>& args, std::ostream& err) {
  decode_args a;
  bool have_file = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string* {
      if (i + 1 >= args.size()) {
        err << "lastword decode: " << arg << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    if (arg == "--hex") {
      a.hex = true;
    } else if (arg == "--role") {
      const std::string* v = value();
      if (!v) return std::nullopt;
      if (*v == "client") a.role = wire::role::client;
      else if (*v == "server") a.role = wire::role::server;
      else {
        err << "lastword decode: --role must be client or server, not '" << *v << "'\n";
        return std::nullopt;
      }
    } else if (arg == "--max-size") {
      const std::string* v = value();
      if (!v) return std::nullopt;
      const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), a.max_size);
      if (ec != std::errc{} || end != v->data() + v->size() || a.max_size == 0) {
        err << "lastword decode: --max-size needs a positive number of bytes, not '" << *v << "'\n";
        return std::nullopt;
      }
    } else if (arg == "--help" || arg == "-h") {
      return std::nullopt;
    } else if (arg.size() > 1 && arg[0] == '-') {
      err << "lastword decode: unknown option '" << arg << "'\n";
      return std::nullopt;
    } else if (have_file) {
      err << "lastword decode: one input file at most\n";
      return std::nullopt;
    } else {
      a.file = arg;
      have_file = true;
    }
  }
  return a;
}

}  // namespace

int run_decode(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  const auto parsed = parse_args(args, err);
  if (!parsed) {
    err << decode_usage;
    return 2;
  }
  const decode_args& a = *parsed;

  std::ifstream file;
  std::istream* source = &in;
  if (a.file != "-") {
    file.open(a.file, std::ios::binary);
    if (!file) {
      err << "lastword decode: cannot open '" << a.file << "'\n";
      return 2;
    }
    source = &file;
  }

  protocol::connection conn(
      protocol::options{.local_role = a.role, .max_frame_size = a.max_size, .max_message_size = a.max_size},
      // Masking keys do not matter here: sent frames are only described.
      [] { return wire::mask_key{0, 0, 0, 0}; });
  out << "# decoding what a " << (a.role == wire::role::client ? "client" : "server")
      << " received (frames from the " << (a.role == wire::role::client ? "server" : "client")
      << ")\n";

  hex_reader hex;
  std::string chunk(read_chunk, '\0');
  std::string bytes;
  std::size_t frames = 0;
  while (*source) {
    source->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(source->gcount());
    if (got == 0) break;
    bytes.clear();
    if (a.hex) {
      if (!hex.feed({chunk.data(), got}, bytes)) {
        err << "lastword decode: " << a.file << ": " << hex.error() << '\n';
        return 2;
      }
    } else {
      bytes.assign(chunk.data(), got);
    }
    conn.receive_data(bytes);
    for (const auto& f : conn.take_events()) print_frame(out, ++frames, f);
    print_sent(out, conn.take_output(), a.role);
  }
  if (source->bad()) {
    err << "lastword decode: error reading '" << a.file << "'\n";
    return 2;
  }
  if (a.hex && !hex.finish()) {
    err << "lastword decode: " << a.file << ": " << hex.error() << '\n';
    return 2;
  }

  const bool no_end_seen = conn.end_of_input() == protocol::input_end::none;
  const bool inside_frame = no_end_seen && !conn.input_at_frame_boundary();
  conn.receive_eof();
  const protocol::close_status status = conn.status();
  int exit_code = 0;
  if (auto ec = conn.protocol_error()) {
    out << "error at byte " << conn.input_offset() << ": " << ec.message() << " ["
        << wire::error_name(static_cast<wire::error>(ec.value()))
        << "]: fail the connection with close code " << status.code << '\n';
    exit_code = 1;
  } else if (inside_frame) {
    out << "end: the stream ends inside a frame, at byte " << conn.input_offset()
        << "; the connection closes abnormally (" << status.code << ")\n";
    exit_code = 1;
  } else if (no_end_seen) {
    out << "end: the stream ends without a close frame; the connection closes abnormally ("
        << status.code << ")\n";
  } else {
    out << "end: close frame received, code " << status.code;
    if (!status.reason.empty()) out << " reason " << preview(status.reason);
    out << "; closing handshake " << (status.handshake_completed ? "completed" : "not completed")
        << (status.normal ? " (normal closure)" : "") << '\n';
  }
  if (conn.bytes_discarded() > 0)
    out << "note: " << conn.bytes_discarded()
        << " bytes after the end of input were discarded (RFC 6455 section 1.4)\n";
  return exit_code;
}

}  // namespace lastword::cli
