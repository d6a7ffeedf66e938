#pragma once
// Spill files of keyed partial states (DESIGN.md section 8). A store is a
// fresh folder with one file per key partition (PartitionOf, as the MPI
// exchange splits states); a record is one analysis's entries of that
// partition in the wire format of SerializePartitions. Reading a partition
// back is Deserialize of its records into a fresh state: records of one
// analysis merge in any order, like the partial states of threads or ranks.
//
// The folder is removed when the store is destroyed (also after an error),
// and on SIGINT/SIGTERM by a signal handler that unlinks the files it knows.
// A folder left by a killed process (SIGKILL) does not disturb later runs,
// and the next store created under the same temp dir removes it.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/analysis.h"

namespace borgscope {

struct SpillMetrics {
  uint64_t spilled_bytes = 0;  // written to spill files
  uint64_t spills = 0;         // states written out
  uint64_t files = 0;
  uint64_t partitions = 0;
  uint64_t read_bytes = 0;
  double spill_seconds = 0;  // serializing and writing (summed over threads)
  double read_seconds = 0;   // reading back, merging included (Deserialize)
};

class SpillStore {
 public:
  struct Options {
    std::string temp_dir;  // empty: $TMPDIR, else /tmp
    size_t partitions = 64;
    // Test knob: a disk that holds only this many bytes of spill files.
    uint64_t disk_bytes = UINT64_MAX;
  };

  explicit SpillStore(Options options);
  ~SpillStore();
  SpillStore(const SpillStore&) = delete;
  SpillStore& operator=(const SpillStore&) = delete;

  size_t partitions() const { return partition_paths_.size(); }
  const std::string& folder() const { return folder_; }
  bool empty() const { return metrics().spilled_bytes == 0; }

  // Appends `state`'s entries of every partition to the partition files, a
  // few partitions at a time (so that only a slice of the state is
  // serialized at once). Safe to call from several threads. Throws IoError
  // naming the folder and the bytes it could not write.
  void Spill(uint32_t analysis, const AnalysisState& state);

  // Appends a record read from another store (an MPI rank's, for a
  // partition this one owns). Safe to call from several threads.
  void AppendRecord(size_t part, uint32_t analysis, std::string_view bytes);

  // fn(analysis, bytes) for every record of partition `part` whose analysis
  // is wanted (wanted(analysis)), in the order they were written.
  void ReadPartition(size_t part, const std::function<bool(uint32_t)>& wanted,
                     const std::function<void(uint32_t, std::string_view)>& fn);

  SpillMetrics metrics() const;

 private:
  void Append(size_t part, uint32_t analysis, std::string_view bytes);
  void RemoveAll() noexcept;

  std::string root_;    // the temp dir
  std::string folder_;  // this store's folder in it
  std::vector<std::string> partition_paths_;
  std::vector<int> descriptors_;  // open for appending, by partition
  uint64_t disk_bytes_;
  mutable std::mutex mutex_;  // guards the files and metrics_
  SpillMetrics metrics_;
};

// The spill folder's root for a --temp-dir value: itself, else $TMPDIR, else /tmp.
std::string SpillRoot(const std::string& temp_dir);

}  // namespace borgscope
