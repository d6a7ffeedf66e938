#pragma once
// Where `analyze` writes: results go into a staging folder inside --out and
// are moved into place only when the run is complete, so that a failed run
// (a full disk, a bad shard found late) leaves the previous results or none,
// never a mix of old and half-written files. Every write is checked and a
// failure names the path and the system's reason ("No space left on device").

#include <filesystem>
#include <string_view>

namespace borgscope {

class StagedOutput {
 public:
  // Creates `out_dir` (and its parents) when missing and a fresh, empty
  // staging folder <out_dir>/.borgscope-staging-<pid>/ in it, so that a bad
  // --out (a file, a folder that cannot be created or written) fails before
  // any shard is read. Throws IoError naming the path.
  explicit StagedOutput(std::filesystem::path out_dir);
  // Removes the staging folder unless Commit() ran, and out_dir too when
  // this object created it and it is empty.
  ~StagedOutput();
  StagedOutput(const StagedOutput&) = delete;
  StagedOutput& operator=(const StagedOutput&) = delete;

  const std::filesystem::path& staging() const { return staging_; }

  // Moves every entry of the staging folder into out_dir, replacing the entry
  // of the same name (an analysis folder <id>/ whole, by an atomic exchange),
  // folders first and then files in name order; removes the staging folder.
  // Throws IoError naming the path that could not be moved.
  void Commit();

 private:
  std::filesystem::path out_dir_;
  std::filesystem::path staging_;
  bool created_out_dir_ = false;
  bool committed_ = false;
};

}  // namespace borgscope
