// lastword/history/finding.hpp: a finding as one structured record.
//
// Every fuzz target and property binary that finds a violation reports it
// as one JSON line appended to the file named by LASTWORD_FINDINGS (nothing
// is written when it is unset). `check`, `detect` and `nightly` read these
// records (lastword/nightly/records.hpp) instead of the human text the
// binaries also print.
//
// Header-only and standard library only (plus Boost's header-only SHA-1) on
// purpose: fuzz targets include it, and an OSS-Fuzz style build links them
// with libc++, against which a prebuilt Boost.JSON library (libstdc++)
// would not link. The writer escapes strings per RFC 8259 section 7; the
// readers parse with Boost.JSON, and a unit test holds the two together.
//
// Thread rule: report() appends one line with one write(2) on a file opened
// with O_APPEND, so concurrent writers never interleave within a line.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <boost/uuid/detail/sha1.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace lastword::finding {

struct record {
  std::string kind = "violation";  // violation (a contract check failed) or caught (a planted bug was found)
  std::string layer;               // e.g. "fuzz connection", "properties"
  std::string target;              // the fuzz target or property test
  std::string implementation;      // the implementation that ran
  std::string invariant;           // the letter(s) violated, first first; "?" when the check has none
  std::string what;                // the violation, in words
  std::string artifact;            // the input that shows it (a file), when there is one
  std::string input_sha1;          // SHA-1 of the input (libFuzzer names its artifacts after it)
  std::string reproduce;           // the one command that reproduces it
  std::uint64_t executions = 0;    // runs before it was found, when known
};

namespace detail {

inline void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x80) {
          // Control characters must be escaped (RFC 8259 section 7); bytes
          // above 0x7f are escaped too, one code point each, so that any
          // byte string (a payload that is not UTF-8) is still valid JSON.
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace detail

inline std::string to_json_line(const record& r) {
  std::string out = "{";
  const auto field = [&](const char* name, std::string_view value) {
    if (out.size() > 1) out += ',';
    detail::append_string(out, name);
    out += ':';
    detail::append_string(out, value);
  };
  field("kind", r.kind);
  field("layer", r.layer);
  field("target", r.target);
  field("implementation", r.implementation);
  field("invariant", r.invariant);
  field("what", r.what);
  field("artifact", r.artifact);
  field("input_sha1", r.input_sha1);
  field("reproduce", r.reproduce);
  out += ",\"executions\":" + std::to_string(r.executions) + "}\n";
  return out;
}

// Lower-case hex SHA-1, as libFuzzer names crash files (crash-<sha1>).
inline std::string sha1_hex(const std::uint8_t* data, std::size_t size) {
  boost::uuids::detail::sha1 h;
  h.process_bytes(data, size);
  boost::uuids::detail::sha1::digest_type d;
  h.get_digest(d);
  char buf[41];
  for (int i = 0; i < 5; ++i) std::snprintf(buf + 8 * i, 9, "%08x", d[i]);
  return std::string(buf, 40);
}

// The file libFuzzer writes the crashing input to, from its command line
// (-exact_artifact_path= or -artifact_prefix=, else the working directory).
inline std::string libfuzzer_artifact(int argc, char** argv, const std::string& sha1) {
  std::string prefix;
  for (int i = 1; argv && i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.rfind("-exact_artifact_path=", 0) == 0) return std::string(a.substr(21));
    if (a.rfind("-artifact_prefix=", 0) == 0) prefix = a.substr(17);
  }
  return prefix + "crash-" + sha1;
}

// The violation a property body saw last: the property binary's main()
// reports it as the record of the test that failed (a property fails after
// shrinking, so the last one seen is the shrunk counterexample's).
inline record& pending() {
  static record r;
  return r;
}

// Appends r to $LASTWORD_FINDINGS; false when unset or not writable.
inline bool report(const record& r) {
  const char* path = std::getenv("LASTWORD_FINDINGS");
  if (!path || !*path) return false;
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const std::string line = to_json_line(r);
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  return ok;
}

}  // namespace lastword::finding
