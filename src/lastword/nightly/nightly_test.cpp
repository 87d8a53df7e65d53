#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "lastword/cli/nightly.hpp"
#include "lastword/history/finding.hpp"
#include "lastword/nightly/classify.hpp"
#include "lastword/nightly/coverage.hpp"
#include "lastword/nightly/libfuzzer.hpp"
#include "lastword/nightly/records.hpp"
#include "lastword/nightly/store.hpp"

namespace lastword::nightly {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("lastword-nightly-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

TEST(FindingRecord, AnyStringsRoundTripThroughBoostJson) {
  finding::record r;
  r.layer = "fuzz connection";
  r.target = "connection";
  r.implementation = "ws14-closed-before-drain";
  r.invariant = "D";
  r.what = std::string("recv #1 raised \"ConnectionClosed\"\n\ttab \\ back\x01\x1f end");
  r.artifact = "/tmp/a b/crash-0";
  r.reproduce = "lastword replay --kind connection '/tmp/a b/crash-0'";
  r.executions = 12345678901ull;
  const auto parsed = parse_findings(finding::to_json_line(r) + finding::to_json_line(r));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0].what, r.what);
  EXPECT_EQ(parsed[0].artifact, r.artifact);
  EXPECT_EQ(parsed[0].reproduce, r.reproduce);
  EXPECT_EQ(parsed[0].executions, r.executions);
  EXPECT_EQ(parsed[1].implementation, r.implementation);
}

TEST(FindingRecord, BytesOutsideAsciiStayValidJson) {
  finding::record r;
  r.what = std::string("payload \xe2\x80 cut, \xff");
  const std::string line = finding::to_json_line(r);
  boost::json::error_code ec;
  (void)boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << line;
  EXPECT_EQ(parse_findings(line).size(), 1u);
}

TEST(FindingRecord, LineCutShortByAKillIsSkipped) {
  finding::record r;
  r.invariant = "C";
  const std::string line = finding::to_json_line(r);
  const auto parsed = parse_findings(line + line.substr(0, line.size() / 2));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].invariant, "C");
}

TEST(FindingRecord, Sha1MatchesAKnownDigest) {
  const std::string abc = "abc";
  EXPECT_EQ(finding::sha1_hex(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(FindingRecord, ArtifactNameFollowsLibFuzzerFlags) {
  std::string a0 = "fuzz", a1 = "-artifact_prefix=/x/run0-", a2 = "-exact_artifact_path=/y/min";
  char* argv1[] = {a0.data(), a1.data(), nullptr};
  EXPECT_EQ(finding::libfuzzer_artifact(2, argv1, "ab"), "/x/run0-crash-ab");
  char* argv2[] = {a0.data(), a1.data(), a2.data(), nullptr};
  EXPECT_EQ(finding::libfuzzer_artifact(3, argv2, "ab"), "/y/min");
}

TEST(LibFuzzerOutput, StatusLinesGiveTheFigures) {
  const auto s = parse_status_line("#65536\tpulse  cov: 3404 ft: 16476 corp: 512/90Kb lim: 4096 exec/s: 1250 rss: 410Mb");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->executions, 65536u);
  EXPECT_EQ(s->event, "pulse");
  EXPECT_EQ(s->coverage, 3404u);
  EXPECT_EQ(s->features, 16476u);
  EXPECT_EQ(s->corpus, 512u);
  EXPECT_EQ(s->exec_per_second, 1250u);
  EXPECT_FALSE(parse_status_line("INFO: Seed: 1234"));
  EXPECT_FALSE(parse_status_line("#0 0x55d0 in main /src/a.cpp:1:2"));
}

TEST(LibFuzzerOutput, CrashSignatureKeepsTheTopFramesOfTheCodeUnderTest) {
  const std::string report =
      "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x60\n"
      "READ of size 1 at 0x60 thread T0\n"
      "    #0 0x55d0 in __asan_memcpy /build/llvm/compiler-rt/lib/asan/asan_interceptors.cpp:22:3\n"
      "    #1 0x55d1 in lastword::wire::decode(std::basic_string_view<char, std::char_traits<char> >) "
      "/work/src/lastword/wire/codec.cpp:120:7\n"
      "    #2 0x55d2 in lastword::protocol::connection::receive_data(std::string_view) "
      "/work/src/lastword/protocol/connection.cpp:80:3\n"
      "    #3 0x55d3 in LLVMFuzzerTestOneInput /work/fuzz/protocol_receive.cpp:40:3\n"
      "    #4 0x55d4 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) /llvm/FuzzerLoop.cpp:611\n"
      "\n0x60 is located 0 bytes to the right of 16-byte region\n"
      "    #0 0x66 in malloc /build/compiler-rt/asan_malloc_linux.cpp:69:3\n"
      "SUMMARY: AddressSanitizer: heap-buffer-overflow codec.cpp:120:7 in lastword::wire::decode\n"
      "artifact_prefix='./'; Test unit written to ./crash-abc\n";
  const auto c = parse_crash_report(report);
  EXPECT_EQ(c.kind, "crash");
  EXPECT_EQ(c.artifact, "./crash-abc");
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[0], "lastword::wire::decode codec.cpp:120");
  EXPECT_EQ(c.frames[1], "lastword::protocol::connection::receive_data connection.cpp:80");
  // The same bug at another address and column: the same signature.
  std::string moved = report;
  moved.replace(moved.find("0x55d1"), 6, "0x77e1");
  moved.replace(moved.find("codec.cpp:120:7"), 15, "codec.cpp:120:9");
  EXPECT_EQ(parse_crash_report(moved).signature(), c.signature());
  EXPECT_EQ(parse_crash_report("==1== ERROR: libFuzzer: timeout after 25 seconds\n").kind, "timeout");
  EXPECT_EQ(parse_crash_report("==1== ERROR: libFuzzer: out-of-memory (malloc(4294967296))\n").kind, "oom");
  EXPECT_EQ(parse_crash_report("==1==ERROR: LeakSanitizer: detected memory leaks\n").kind, "leak");
  EXPECT_EQ(parse_crash_report("all good\n").kind, "");
}

// A merger that copies every input, as -merge=1 would with all new.
bool copy_all(const fs::path& to, const std::vector<fs::path>& from, std::string*) {
  for (const auto& d : from)
    for (const auto& e : fs::directory_iterator(d)) fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::skip_existing);
  return true;
}

TEST(CorpusStore, MergeMovesIncomingIntoTheNextGeneration) {
  const auto root = scratch("merge");
  std::string error;
  auto s = corpus_store::open(root, "connection", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->committed().generation, 0u);
  write(s->incoming() / "a", "aaa");
  write(s->incoming() / "b", "bb");
  ASSERT_TRUE(s->merge(copy_all, {}, &error)) << error;
  EXPECT_EQ(s->committed().generation, 1u);
  EXPECT_EQ(s->committed().files.size(), 2u);
  EXPECT_EQ(s->incoming_count(), 0u);
  EXPECT_FALSE(fs::exists(root / "connection" / "gen-000000"));
  EXPECT_TRUE(s->verify(&error)) << error;
}

TEST(CorpusStore, FailedMergeLeavesTheStoreAsItWas) {
  const auto root = scratch("failed");
  std::string error;
  auto s = corpus_store::open(root, "assembler", &error);
  ASSERT_TRUE(s) << error;
  write(s->incoming() / "a", "aaa");
  ASSERT_TRUE(s->merge(copy_all, {}, &error));
  write(s->incoming() / "c", "c");
  EXPECT_FALSE(s->merge([](const fs::path& to, const std::vector<fs::path>&, std::string* why) {
    write(to / "partial", "x");
    *why = "merge failed";
    return false;
  }, {}, &error));
  EXPECT_EQ(s->committed().generation, 1u);
  EXPECT_EQ(s->incoming_count(), 1u);
  EXPECT_TRUE(s->verify(&error)) << error;
}

TEST(CorpusStore, OpenRemovesWhatAKilledRunLeft) {
  const auto root = scratch("killed");
  std::string error;
  {
    auto s = corpus_store::open(root, "refinement", &error);
    ASSERT_TRUE(s) << error;
    write(s->incoming() / "a", "aaa");
    ASSERT_TRUE(s->merge(copy_all, {}, &error));
  }
  // Killed mid-merge (a tmp folder), after the rename of the new generation
  // but before its manifest, and while writing a manifest.
  const auto dir = root / "refinement";
  fs::create_directories(dir / "tmp-gen-000002-99");
  write(dir / "tmp-gen-000002-99" / "half", "h");
  fs::create_directories(dir / "gen-000002");
  write(dir / "gen-000002" / "z", "z");
  write(dir / "MANIFEST.json.tmp", "{\"gener");
  write(dir / "incoming" / "new", "n");
  auto s = corpus_store::open(root, "refinement", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->committed().generation, 1u);
  EXPECT_FALSE(fs::exists(dir / "tmp-gen-000002-99"));
  EXPECT_FALSE(fs::exists(dir / "gen-000002"));
  EXPECT_FALSE(fs::exists(dir / "MANIFEST.json.tmp"));
  EXPECT_TRUE(fs::exists(dir / "gen-000001" / "a"));
  EXPECT_EQ(s->incoming_count(), 1u);  // resumed by the next merge
}

TEST(CorpusStore, ASecondRunOnTheSameStoreIsRefused) {
  const auto root = scratch("lock");
  std::string error;
  auto s = corpus_store::open(root, "differential", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(corpus_store::open(root, "differential", &error));
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

TEST(CorpusStore, AManifestThatDoesNotMatchItsFilesIsAnError) {
  const auto root = scratch("mismatch");
  std::string error;
  {
    auto s = corpus_store::open(root, "connection", &error);
    write(s->incoming() / "a", "aaa");
    ASSERT_TRUE(s->merge(copy_all, {}, &error));
  }
  fs::remove(root / "connection" / "gen-000001" / "a");
  EXPECT_FALSE(corpus_store::open(root, "connection", &error));
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
}

TEST(Coverage, SummaryKeepsTheSourcesAndSumsFolders) {
  const auto src = scratch("cov");
  const std::string json = R"({"data":[{"files":[
    {"filename":")" + (src / "src/lastword/wire/codec.cpp").string() + R"(","summary":{"lines":{"count":10,"covered":7},
      "branches":{"count":4,"covered":1},"functions":{"count":2,"covered":2}}},
    {"filename":")" + (src / "src/lastword/wire/mask.cpp").string() + R"(","summary":{"lines":{"count":10,"covered":3},
      "branches":{"count":0,"covered":0},"functions":{"count":1,"covered":0}}},
    {"filename":")" + (src / "src/lastword/wire/codec_test.cpp").string() + R"(","summary":{"lines":{"count":5,"covered":5},
      "branches":{"count":0,"covered":0},"functions":{"count":1,"covered":1}}},
    {"filename":"/usr/include/boost/asio.hpp","summary":{"lines":{"count":5,"covered":5},
      "branches":{"count":0,"covered":0},"functions":{"count":1,"covered":1}}}]}]})";
  std::string error;
  const auto files = parse_llvm_cov_summary(json, src, &error);
  ASSERT_EQ(files.size(), 2u) << error;
  EXPECT_EQ(files[0].file, "src/lastword/wire/codec.cpp");
  const auto folders = coverage_by_folder(files);
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders[0].file, "src/lastword/wire/");
  EXPECT_EQ(folders[0].lines, 20u);
  EXPECT_EQ(folders[0].lines_covered, 10u);
  EXPECT_EQ(folders[0].branches_covered, 1u);
}

finding_result finding_of(const std::string& kind, const std::string& impl) {
  finding_result f;
  f.kind = kind;
  f.implementation = impl;
  f.invariant = kind == "violation" ? "D" : "-";
  return f;
}

crash_report crash_in(const std::string& kind, std::vector<std::string> frames) {
  crash_report c;
  c.kind = kind;
  c.frames = std::move(frames);
  return c;
}

TEST(Classify, EachClassFromHowTheInputBehaves) {
  auto f = finding_of("violation", "ws14-closed-before-drain");
  classify(f, {}, true, false, -1);
  EXPECT_EQ(f.classification, "variant-only");
  f = finding_of("violation", "ws14-closed-before-drain");
  classify(f, {}, false, false, -1);
  EXPECT_EQ(f.classification, "not-reproducible");
  f = finding_of("violation", "reference");
  classify(f, {}, true, true, 1);
  EXPECT_EQ(f.classification, "reference-bug");
  // The fuzz target says violated, `lastword replay` says it holds.
  f = finding_of("violation", "reference");
  classify(f, {}, true, true, 0);
  EXPECT_EQ(f.classification, "harness-false-alarm");
  f = finding_of("oom", "beast");
  classify(f, crash_in("oom", {"operator_new x.cpp:1", "boost::beast::flat_buffer::prepare flat_buffer.hpp:20"}), true,
           true, -1);
  EXPECT_EQ(f.classification, "known-third-party");
  EXPECT_NE(f.reason.find("2879"), std::string::npos) << f.reason;
  f = finding_of("crash", "reference");
  classify(f, crash_in("crash", {"boost::asio::detail::foo x.hpp:3"}), true, true, -1);
  EXPECT_EQ(f.classification, "third-party");
  f = finding_of("crash", "reference");
  classify(f, crash_in("crash", {"lastword::history::judge judge.cpp:40"}), true, true, -1);
  EXPECT_EQ(f.classification, "harness-false-alarm");
  f = finding_of("crash", "reference");
  classify(f, crash_in("crash", {"lastword::wire::decode codec.cpp:120"}), true, true, -1);
  EXPECT_EQ(f.classification, "reference-bug");
  // A crash on a variant that the reference does not share.
  f = finding_of("crash", "ws14-timeout-zero");
  classify(f, crash_in("crash", {"lastword::wire::decode codec.cpp:120"}), true, false, -1);
  EXPECT_EQ(f.classification, "variant-only");
}

TEST(NightlyArguments, DurationsParse) {
  double s = 0;
  EXPECT_TRUE(cli::parse_duration("90", s));
  EXPECT_EQ(s, 90);
  EXPECT_TRUE(cli::parse_duration("10m", s));
  EXPECT_EQ(s, 600);
  EXPECT_TRUE(cli::parse_duration("1h30m", s));
  EXPECT_EQ(s, 5400);
  EXPECT_TRUE(cli::parse_duration("20s", s));
  EXPECT_EQ(s, 20);
  EXPECT_FALSE(cli::parse_duration("soon", s));
  EXPECT_FALSE(cli::parse_duration("", s));
  EXPECT_FALSE(cli::parse_duration("10x", s));
}

}  // namespace
}  // namespace lastword::nightly
