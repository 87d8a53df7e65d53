#include "lastword/nightly/libfuzzer.hpp"

#include <regex>
#include <sstream>

namespace lastword::nightly {
namespace {

std::uint64_t number_after(std::string_view line, std::string_view key) {
  const auto at = line.find(key);
  if (at == std::string_view::npos) return 0;
  std::uint64_t n = 0;
  for (std::size_t i = at + key.size(); i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
    n = n * 10 + static_cast<std::uint64_t>(line[i] - '0');
  return n;
}

// Frames of the sanitizer runtime, libFuzzer and the C library say where
// the report was made, not where the bug is.
bool runtime_frame(const std::string& function, const std::string& file) {
  for (const char* f : {"__sanitizer", "__asan", "__ubsan", "__lsan", "__interceptor", "fuzzer::", "__libc_",
                        "abort", "raise", "malloc", "calloc", "realloc", "operator new", "operator delete",
                        "__cxa_", "LLVMFuzzerTestOneInput", "std::terminate", "__gnu_cxx::__verbose_terminate"})
    if (function.find(f) != std::string::npos) return true;
  for (const char* f : {"compiler-rt", "/libc", "libstdc++", "libfuzzer", "sanitizer_common"})
    if (file.find(f) != std::string::npos) return true;
  return false;
}

}  // namespace

std::optional<status_line> parse_status_line(std::string_view line) {
  // "#123\tNEW    cov: 4 ft: 5 corp: 6/7b ..."
  if (line.size() < 2 || line[0] != '#' || line[1] < '0' || line[1] > '9') return std::nullopt;
  status_line s;
  std::size_t i = 1;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) s.executions = s.executions * 10 + (line[i] - '0');
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  const std::size_t word = i;
  while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
  s.event = std::string(line.substr(word, i - word));
  if (line.find("cov:") == std::string_view::npos && s.event != "DONE" && s.event != "INITED") return std::nullopt;
  s.coverage = number_after(line, "cov: ");
  s.features = number_after(line, "ft: ");
  s.corpus = number_after(line, "corp: ");
  s.exec_per_second = number_after(line, "exec/s: ");
  s.rss_mb = number_after(line, "rss: ");
  return s;
}

std::string crash_report::signature() const {
  std::string s = kind;
  for (const auto& f : frames) s += " | " + f;
  if (frames.empty()) s += " | " + summary;
  return s;
}

crash_report parse_crash_report(std::string_view log) {
  crash_report r;
  const std::string text(log);
  std::smatch m;
  if (std::regex_search(text, m, std::regex("Test unit written to ([^\\n]+)"))) r.artifact = m[1];
  if (text.find("ERROR: libFuzzer: timeout") != std::string::npos) {
    r.kind = "timeout";
  } else if (text.find("ERROR: libFuzzer: out-of-memory") != std::string::npos ||
             text.find("allocation-size-too-big") != std::string::npos ||
             text.find("requested allocation size") != std::string::npos) {
    r.kind = "oom";
  } else if (text.find("ERROR: LeakSanitizer") != std::string::npos) {
    r.kind = "leak";
  } else if (text.find("ERROR: AddressSanitizer") != std::string::npos ||
             text.find("runtime error:") != std::string::npos ||
             text.find("ERROR: libFuzzer: deadly signal") != std::string::npos ||
             text.find("ERROR: UndefinedBehaviorSanitizer") != std::string::npos) {
    r.kind = "crash";
  }
  for (const char* key : {"SUMMARY: ", "ERROR: libFuzzer: ", "runtime error: "}) {
    if (const auto at = text.find(key); at != std::string::npos) {
      r.summary = text.substr(at, text.find('\n', at) - at);
      break;
    }
  }
  // The first stack of the report: "    #3 0x55d0 in function args file:line:col"
  const std::regex frame("^ *#([0-9]+) 0x[0-9a-f]+ in (.+?) (/[^ ]*|[^ ]+:[0-9]+(:[0-9]+)?)$");
  std::istringstream in(text);
  bool seen_stack = false;
  for (std::string line; std::getline(in, line);) {
    if (!std::regex_match(line, m, frame)) {
      if (seen_stack && !r.frames.empty()) break;  // the end of the first stack
      continue;
    }
    if (m[1] == "0" && seen_stack && !r.frames.empty()) break;
    seen_stack = true;
    std::string function = m[2], file = m[3];
    // Keep the file's name and line, not the build's absolute path.
    if (const auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
    if (const auto colon = file.find(':'); colon != std::string::npos)
      if (const auto second = file.find(':', colon + 1); second != std::string::npos) file = file.substr(0, second);
    if (runtime_frame(function, m[3])) continue;
    // Arguments vary with inlining; the name alone identifies the frame.
    if (const auto paren = function.find('('); paren != std::string::npos) function = function.substr(0, paren);
    r.frames.push_back(function + " " + file);
    if (r.frames.size() == signature_frames) break;
  }
  return r;
}

}  // namespace lastword::nightly
