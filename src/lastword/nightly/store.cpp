#include "lastword/nightly/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <set>

namespace lastword::nightly {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Makes a file's or a folder's contents durable before a rename relies on them.
void sync_path(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string generation_dir(std::uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "gen-%06llu", static_cast<unsigned long long>(n));
  return buf;
}

std::vector<std::pair<std::string, std::uint64_t>> list_files(const fs::path& dir) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) out.emplace_back(e.path().filename().string(), e.file_size());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<manifest> read_manifest(const fs::path& target_dir, std::string* error) {
  std::ifstream in(target_dir / "MANIFEST.json", std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json::error_code ec;
  const auto v = json::parse(text, ec);
  const auto fail = [&](const std::string& why) -> std::optional<manifest> {
    if (error) *error = (target_dir / "MANIFEST.json").string() + ": " + why;
    return std::nullopt;
  };
  if (ec || !v.is_object()) return fail("not a JSON object (" + ec.message() + ")");
  const auto& o = v.as_object();
  manifest m;
  try {
    m.generation = o.at("generation").to_number<std::uint64_t>();
    m.directory = std::string(o.at("directory").as_string());
    if (const auto* u = o.if_contains("updated"); u && u->is_string()) m.updated = std::string(u->as_string());
    for (const auto& f : o.at("files").as_array()) {
      const auto& fo = f.as_object();
      m.files.emplace_back(std::string(fo.at("name").as_string()), fo.at("size").to_number<std::uint64_t>());
    }
  } catch (const std::exception& e) {
    return fail(std::string("malformed: ") + e.what());
  }
  if (m.directory.empty() || m.directory.find('/') != std::string::npos || m.directory[0] == '.')
    return fail("bad directory '" + m.directory + "'");
  return m;
}

std::unique_ptr<corpus_store> corpus_store::open(const fs::path& root, const std::string& target, std::string* error) {
  const fs::path dir = root / target;
  std::error_code ec;
  fs::create_directories(dir / "incoming", ec);
  if (ec) {
    if (error) *error = "cannot create " + (dir / "incoming").string() + ": " + ec.message();
    return nullptr;
  }
  const int fd = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    if (error) *error = "the store " + dir.string() + " is in use by another run (or not writable)";
    return nullptr;
  }
  std::unique_ptr<corpus_store> s(new corpus_store(dir, fd));
  if (!s->load(error)) return nullptr;
  return s;
}

corpus_store::~corpus_store() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

bool corpus_store::load(std::string* error) {
  std::string why;
  auto m = read_manifest(dir_, &why);
  if (!m && !why.empty()) {
    if (error) *error = why;
    return false;
  }
  std::error_code ec;
  if (!m) {
    // A new store: generation 0, empty.
    manifest fresh;
    fresh.directory = generation_dir(0);
    fs::create_directories(dir_ / fresh.directory, ec);
    if (ec || !commit(fresh, error)) return false;
  } else {
    manifest_ = *m;
  }
  // What a killed run left: merges under way, generations made but not
  // committed, or committed over but not yet removed, a manifest being
  // written.
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    const bool leftover = (e.is_directory() && (name.rfind("tmp-", 0) == 0 ||
                                                (name.rfind("gen-", 0) == 0 && name != manifest_.directory))) ||
                          name == "MANIFEST.json.tmp";
    if (leftover) fs::remove_all(e.path(), ec);
  }
  return verify(error);
}

bool corpus_store::verify(std::string* error) const {
  const fs::path gen = current();
  if (!fs::is_directory(gen)) {
    if (error) *error = gen.string() + " is missing (the manifest names it)";
    return false;
  }
  const auto on_disk = list_files(gen);
  if (on_disk != manifest_.files) {
    if (error)
      *error = gen.string() + " does not match MANIFEST.json (" + std::to_string(on_disk.size()) + " files, " +
               std::to_string(manifest_.files.size()) + " listed)";
    return false;
  }
  return true;
}

std::size_t corpus_store::incoming_count() const { return list_files(incoming()).size(); }

bool corpus_store::commit(const manifest& m, std::string* error) {
  json::object o;
  o["generation"] = m.generation;
  o["directory"] = m.directory;
  o["updated"] = m.updated.empty() ? utc_now() : m.updated;
  json::array files;
  std::uint64_t bytes = 0;
  for (const auto& [name, size] : m.files) {
    files.push_back(json::object{{"name", name}, {"size", size}});
    bytes += size;
  }
  o["count"] = m.files.size();
  o["bytes"] = bytes;
  o["files"] = std::move(files);
  const fs::path tmp = dir_ / "MANIFEST.json.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json::serialize(o) << '\n';
    if (!out.flush()) {
      if (error) *error = "cannot write " + tmp.string();
      return false;
    }
  }
  sync_path(tmp);
  std::error_code ec;
  fs::rename(tmp, dir_ / "MANIFEST.json", ec);  // the commit point
  if (ec) {
    if (error) *error = "cannot rename " + tmp.string() + ": " + ec.message();
    return false;
  }
  sync_path(dir_);
  manifest_ = m;
  if (manifest_.updated.empty()) manifest_.updated = std::string(o["updated"].as_string());
  return true;
}

bool corpus_store::merge(const merger& m, const std::vector<fs::path>& extra, std::string* error) {
  std::error_code ec;
  const std::uint64_t next = manifest_.generation + 1;
  const fs::path tmp = dir_ / ("tmp-" + generation_dir(next) + "-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) {
    if (error) *error = "cannot create " + tmp.string() + ": " + ec.message();
    return false;
  }
  // The incoming files merged now; the ones a later run adds stay.
  const auto merged_incoming = list_files(incoming());
  std::vector<fs::path> inputs{current(), incoming()};
  for (const auto& e : extra)
    if (fs::is_directory(e)) inputs.push_back(e);
  if (!m(tmp, inputs, error)) {
    fs::remove_all(tmp, ec);
    return false;
  }
  for (const auto& e : fs::directory_iterator(tmp, ec))
    if (!e.is_regular_file()) fs::remove_all(e.path(), ec);
  for (const auto& [name, size] : list_files(tmp)) sync_path(tmp / name);
  sync_path(tmp);
  const std::string gen_name = generation_dir(next);
  fs::remove_all(dir_ / gen_name, ec);
  fs::rename(tmp, dir_ / gen_name, ec);
  if (ec) {
    if (error) *error = "cannot rename " + tmp.string() + ": " + ec.message();
    fs::remove_all(tmp, ec);
    return false;
  }
  sync_path(dir_);
  manifest nm;
  nm.generation = next;
  nm.directory = gen_name;
  nm.files = list_files(dir_ / gen_name);
  const fs::path old = current();
  if (!commit(nm, error)) {
    fs::remove_all(dir_ / gen_name, ec);
    return false;
  }
  // Committed: the old generation and the merged inputs can go.
  fs::remove_all(old, ec);
  for (const auto& [name, size] : merged_incoming) fs::remove(incoming() / name, ec);
  return true;
}

}  // namespace lastword::nightly
