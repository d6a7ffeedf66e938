#pragma once
// `borgscope gen`: writes a complete synthetic clusterdata-2011-2 trace —
// six tables, real shard naming and CSV format — deterministically: the same
// seed and scale give the same bytes, whatever the number of threads.

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "trace/schema.h"

namespace borgscope {

struct GenOptions {
  std::string out_dir;
  uint64_t seed = 1;
  double scale = 0.1;  // 1.0 ~ 1 GB of CSV; linear
  int threads = 0;     // 0 = all cores
  // Replace the shards of an earlier trace in out_dir (otherwise an error).
  bool overwrite = false;
  // Called after each shard index of the time-split tables is written, with
  // the number done and the total (from one thread at a time).
  std::function<void(uint32_t done, uint32_t total)> progress;
};

struct GenTableSummary {
  Table table = Table::kMachineEvents;
  uint32_t shards = 0;
  uint64_t rows = 0;
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
};

struct GenSummary {
  std::array<GenTableSummary, kTableCount> tables;  // in kAllTables order
  uint32_t machines = 0;
  uint64_t jobs = 0;
  uint64_t tasks = 0;
  int64_t trace_end_us = 0;  // the window is [600 s, trace_end_us)
  double seconds = 0;

  uint64_t rows() const;
  uint64_t compressed_bytes() const;
  uint64_t uncompressed_bytes() const;
};

// Throws UsageError for bad options or a non-empty output without overwrite,
// IoError when files cannot be written.
GenSummary GenerateTrace(const GenOptions& options);

}  // namespace borgscope
