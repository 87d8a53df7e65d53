// lastword/nightly/store.hpp: a corpus store that survives being killed.
//
// One folder per fuzz target under the store's root (any folder: the
// user's cache, a mounted bucket, a git checkout):
//
//   ROOT/TARGET/MANIFEST.json   the committed state: generation N, its
//                               folder, and every file in it with its size
//   ROOT/TARGET/gen-N/          the corpus of generation N (read only)
//   ROOT/TARGET/incoming/       inputs found since, not merged yet
//   ROOT/TARGET/tmp-*/          a merge under way (never read)
//
// A fuzz run reads gen-N and writes new inputs into incoming/. A merge
// (`-merge=1`) writes gen-N plus incoming/ into a fresh tmp folder, syncs
// it, renames it to gen-(N+1), then replaces MANIFEST.json by rename: that
// rename is the commit. Only then are gen-N and the merged incoming files
// removed. Killed at any moment (SIGKILL, power loss), the store is either
// still at N with incoming/ intact, or at N+1; open() removes what a killed
// run left (tmp folders, generations the manifest does not name), so the
// next run resumes. An flock on ROOT/TARGET/.lock keeps two runs apart.
//
// Thread rule: one store object per target and process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lastword::nightly {

struct manifest {
  std::uint64_t generation = 0;
  std::string directory;  // relative to the target's folder
  std::vector<std::pair<std::string, std::uint64_t>> files;  // name, size
  std::string updated;  // UTC, ISO 8601
};

class corpus_store {
 public:
  // Opens ROOT/TARGET, creating it, and recovers from a killed run. Empty,
  // with *error set, when the folder cannot be used (not writable, locked by
  // another run, or a manifest that does not match its files).
  static std::unique_ptr<corpus_store> open(const std::filesystem::path& root, const std::string& target,
                                            std::string* error);
  ~corpus_store();
  corpus_store(const corpus_store&) = delete;
  corpus_store& operator=(const corpus_store&) = delete;

  const manifest& committed() const { return manifest_; }
  std::filesystem::path current() const { return dir_ / manifest_.directory; }
  std::filesystem::path incoming() const { return dir_ / "incoming"; }
  std::size_t incoming_count() const;

  // merger(out, inputs) writes the merged corpus of `inputs` into the empty
  // folder `out` (false on failure: the store stays as it was). Inputs are
  // the current generation, incoming/ and `extra` (e.g. the seed corpus).
  // On success the store is at the next generation.
  using merger = std::function<bool(const std::filesystem::path& out, const std::vector<std::filesystem::path>& in,
                                    std::string* error)>;
  bool merge(const merger& m, const std::vector<std::filesystem::path>& extra, std::string* error);

  // Whether the committed manifest matches the files on disk (every listed
  // file present with its size, nothing else in the generation folder).
  bool verify(std::string* error) const;

 private:
  corpus_store(std::filesystem::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  bool load(std::string* error);
  bool commit(const manifest& m, std::string* error);

  std::filesystem::path dir_;
  int lock_fd_ = -1;
  manifest manifest_;
};

// Reads ROOT/TARGET/MANIFEST.json without opening (or locking) the store.
std::optional<manifest> read_manifest(const std::filesystem::path& target_dir, std::string* error);

}  // namespace lastword::nightly
