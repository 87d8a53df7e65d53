// Decode throughput: lastword's frame decoder against Boost.Beast's
// websocket stream, and a plain memcpy of the same bytes as the physical
// reference.
//
// Each benchmark receives the same batch of masked text messages (a server
// receiving from a client), so both decoders parse headers, unmask and
// validate UTF-8. Payload sizes 16 B, 1 KiB, 64 KiB and 1 MiB; a batch holds
// at least 4 MiB of payload. Throughput is payload bytes per second. After
// the runs, a table prints the ratios lastword/Beast and lastword/memcpy.
#include <benchmark/benchmark.h>

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "lastword/wire/codec.hpp"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

constexpr std::size_t batch_payload = 4u << 20;

struct batch {
  std::string wire;         // encoded frames
  std::size_t messages = 0;
  std::size_t payload_bytes = 0;
};

const batch& make_batch(std::size_t size) {
  static std::map<std::size_t, batch> cache;
  auto [it, fresh] = cache.try_emplace(size);
  if (fresh) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>('a' + i % 26);
    const lastword::wire::mask_key key{0x37, 0xfa, 0x21, 0x3d};
    const std::size_t count = std::max<std::size_t>(1, batch_payload / size);
    for (std::size_t i = 0; i < count; ++i)
      lastword::wire::encode_frame(it->second.wire, lastword::wire::opcode::text, true, payload, &key);
    it->second.messages = count;
    it->second.payload_bytes = count * size;
  }
  return it->second;
}

void BM_lastword(benchmark::State& state) {
  const batch& b = make_batch(static_cast<std::size_t>(state.range(0)));
  lastword::wire::frame f;
  for (auto _ : state) {
    lastword::wire::frame_decoder d({lastword::wire::role::server, 1u << 20, 1u << 20});
    std::string_view in = b.wire;
    std::size_t n = 0;
    while (d.decode(in, f) == lastword::wire::frame_decoder::status::frame) {
      benchmark::DoNotOptimize(f.payload.data());
      ++n;
    }
    if (n != b.messages) state.SkipWithError("lastword did not decode every message");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.payload_bytes));
}

void BM_beast(benchmark::State& state) {
  const batch& b = make_batch(static_cast<std::size_t>(state.range(0)));
  boost::asio::io_context ioc;
  beast::test::stream ts(ioc), peer(ioc);
  ts.connect(peer);
  websocket::stream<beast::test::stream&> ws(ts);
  ws.read_message_max(1u << 20);
  ws.auto_fragment(false);
  ts.append(
      "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  ws.accept();
  beast::flat_buffer buffer;
  for (auto _ : state) {
    ts.append(b.wire);
    for (std::size_t i = 0; i < b.messages; ++i) {
      ws.read(buffer);
      benchmark::DoNotOptimize(buffer.data().data());
      buffer.consume(buffer.size());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.payload_bytes));
}

void BM_memcpy(benchmark::State& state) {
  const batch& b = make_batch(static_cast<std::size_t>(state.range(0)));
  std::string dst(b.wire.size(), '\0');
  for (auto _ : state) {
    std::memcpy(dst.data(), b.wire.data(), b.wire.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.payload_bytes));
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(16)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);
  b->ArgName("bytes");
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_lastword)->Apply(sizes);
BENCHMARK(BM_beast)->Apply(sizes);
BENCHMARK(BM_memcpy)->Apply(sizes);

// Remembers each run's throughput so that ratios can be printed at the end.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, std::map<long, double>> rates;  // impl -> size -> bytes/s

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      const std::string name = r.benchmark_name();  // BM_x/bytes:N
      const auto slash = name.find('/');
      const auto colon = name.find(':');
      if (slash == std::string::npos || colon == std::string::npos) continue;
      const auto it = r.counters.find("bytes_per_second");
      if (it == r.counters.end()) continue;
      rates[name.substr(3, slash - 3)][std::stol(name.substr(colon + 1))] = it->second.value;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto& r = reporter.rates;
  std::printf("\n%-9s %14s %14s %14s %16s %17s\n", "payload", "lastword MB/s", "beast MB/s",
              "memcpy MB/s", "lastword/beast", "memcpy/lastword");
  for (const auto& [size, lw] : r["lastword"]) {
    const double be = r["beast"].count(size) ? r["beast"][size] : 0;
    const double mc = r["memcpy"].count(size) ? r["memcpy"][size] : 0;
    std::printf("%-9ld %14.0f %14.0f %14.0f %15.2fx %16.2fx\n", size, lw / 1e6, be / 1e6, mc / 1e6,
                be > 0 ? lw / be : 0.0, lw > 0 ? mc / lw : 0.0);
  }
  benchmark::Shutdown();
  return 0;
}
