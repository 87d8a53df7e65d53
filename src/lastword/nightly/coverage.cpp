#include "lastword/nightly/coverage.hpp"

#include <boost/json.hpp>
#include <map>

#include "lastword/nightly/process.hpp"

namespace lastword::nightly {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

}  // namespace

std::vector<coverage_file> parse_llvm_cov_summary(const std::string& json_text, const fs::path& source,
                                                  std::string* error) {
  std::vector<coverage_file> out;
  json::error_code ec;
  const auto v = json::parse(json_text, ec);
  if (ec) {
    if (error) *error = "llvm-cov's export is not JSON: " + ec.message();
    return out;
  }
  const std::string prefix = (fs::weakly_canonical(source) / "src" / "lastword").string() + "/";
  try {
    for (const auto& d : v.at("data").as_array()) {
      for (const auto& f : d.at("files").as_array()) {
        std::string name(f.at("filename").as_string());
        name = fs::weakly_canonical(name).string();
        if (name.rfind(prefix, 0) != 0 || name.find("_test.cpp") != std::string::npos) continue;
        const auto& s = f.at("summary");
        coverage_file c;
        c.file = name.substr(prefix.size() - std::string("src/lastword/").size());
        c.lines = s.at("lines").at("count").to_number<std::uint64_t>();
        c.lines_covered = s.at("lines").at("covered").to_number<std::uint64_t>();
        c.branches = s.at("branches").at("count").to_number<std::uint64_t>();
        c.branches_covered = s.at("branches").at("covered").to_number<std::uint64_t>();
        c.functions = s.at("functions").at("count").to_number<std::uint64_t>();
        c.functions_covered = s.at("functions").at("covered").to_number<std::uint64_t>();
        out.push_back(c);
      }
    }
  } catch (const std::exception& e) {
    if (error) *error = std::string("unexpected llvm-cov export: ") + e.what();
    return {};
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

std::vector<coverage_file> coverage_by_folder(const std::vector<coverage_file>& files) {
  std::map<std::string, coverage_file> folders;
  for (const auto& f : files) {
    // src/lastword/FOLDER/...
    const std::string rest = f.file.substr(std::min(f.file.size(), std::string("src/lastword/").size()));
    const std::string folder = "src/lastword/" + rest.substr(0, rest.find('/')) + "/";
    auto& c = folders[folder];
    c.file = folder;
    c.lines += f.lines;
    c.lines_covered += f.lines_covered;
    c.branches += f.branches;
    c.branches_covered += f.branches_covered;
    c.functions += f.functions;
    c.functions_covered += f.functions_covered;
  }
  std::vector<coverage_file> out;
  for (auto& [k, c] : folders) out.push_back(c);
  return out;
}

coverage_result measure_coverage(const fs::path& coverage_build, const fs::path& source,
                                 const std::vector<std::pair<std::string, std::vector<fs::path>>>& corpora,
                                 const fs::path& out_dir) {
  coverage_result r;
  std::error_code ec;
  fs::remove_all(out_dir, ec);
  fs::create_directories(out_dir / "profiles", ec);
  std::vector<std::string> objects;
  std::vector<std::string> profiles;
  std::string log;
  for (const auto& [target, dirs] : corpora) {
    const fs::path bin = coverage_build / ("fuzz_" + target + "_replay");
    if (!fs::exists(bin)) {
      r.error = bin.string() + " is missing (cmake --preset coverage && cmake --build --preset coverage)";
      return r;
    }
    std::vector<std::string> argv{bin.string()};
    for (const auto& d : dirs)
      if (fs::is_directory(d, ec) && !fs::is_empty(d, ec)) argv.push_back(d.string());
    if (argv.size() == 1) continue;
    const fs::path profile = out_dir / "profiles" / (target + ".profraw");
    auto [status, output] = run_to_end(argv, {"LLVM_PROFILE_FILE=" + profile.string(), "LASTWORD_IMPL=reference"}, 3600);
    log += "$ " + command_line(argv) + "\n" + output;
    if (status != 0) {
      r.error = "the corpus replay of " + target + " failed (exit " + std::to_string(status) + "): " + output.substr(0, 400);
      return r;
    }
    objects.push_back(bin.string());
    profiles.push_back(profile.string());
  }
  if (objects.empty()) {
    r.error = "no stored corpus to measure";
    return r;
  }
  const std::string merged = (out_dir / "merged.profdata").string();
  std::vector<std::string> merge{"/usr/bin/env", "llvm-profdata-14", "merge", "-sparse", "-o", merged};
  merge.insert(merge.end(), profiles.begin(), profiles.end());
  if (auto [status, output] = run_to_end(merge, {}, 600); status != 0) {
    r.error = "llvm-profdata-14 merge failed: " + output.substr(0, 400);
    return r;
  }
  std::vector<std::string> binaries{objects.front()};
  for (std::size_t i = 1; i < objects.size(); ++i) {
    binaries.push_back("-object");
    binaries.push_back(objects[i]);
  }
  std::vector<std::string> exp{"/usr/bin/env", "llvm-cov-14", "export", "-summary-only", "-instr-profile=" + merged};
  exp.insert(exp.end(), binaries.begin(), binaries.end());
  // stdout alone: llvm-cov's warnings go to a file of their own.
  const std::string warnings = (out_dir / "export.stderr").string();
  auto [status, json_text] =
      run_to_end({"/bin/sh", "-c", command_line(exp) + " 2>" + shell_quote(warnings)}, {}, 600);
  if (status != 0) {
    r.error = "llvm-cov-14 export failed: " + json_text.substr(0, 400);
    return r;
  }
  r.files = parse_llvm_cov_summary(json_text, source, &r.error);
  std::vector<std::string> show{"/usr/bin/env", "llvm-cov-14", "show", "-format=html", "-show-branches=count",
                                "-output-dir=" + (out_dir / "html").string(), "-instr-profile=" + merged};
  show.insert(show.end(), binaries.begin(), binaries.end());
  show.push_back((source / "src" / "lastword").string());
  if (auto [s, output] = run_to_end(show, {}, 600); s != 0) {
    r.error = "llvm-cov-14 show failed: " + output.substr(0, 400);
    return r;
  }
  r.html_index = (out_dir / "html" / "index.html").string();
  return r;
}

}  // namespace lastword::nightly
