#pragma once
// Formatting of generated rows into gzip'ed CSV shards, in the real trace's
// exact text: no header, '\n' line ends, empty optional fields, 4-digit
// floats, base64 hashes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gen/machines.h"
#include "gen/trace_rows.h"
#include "gen/trace_shape.h"
#include "io/gzip_writer.h"

namespace borgscope::gen {

struct ShardStats {
  uint64_t rows = 0;
  uint64_t uncompressed_bytes = 0;
  uint64_t compressed_bytes = 0;
};

// Streams rows into one shard: written to `path`.tmp and renamed to `path`
// once complete, so that an interrupted run never leaves a plausible shard.
class CsvShardWriter {
 public:
  static constexpr size_t kMaxRowBytes = 1024;

  explicit CsvShardWriter(std::string path);
  ~CsvShardWriter();
  CsvShardWriter(const CsvShardWriter&) = delete;
  CsvShardWriter& operator=(const CsvShardWriter&) = delete;

  // Room for one row of at most kMaxRowBytes; EndRow gets the end of its text.
  char* BeginRow() {
    if (size_ + kMaxRowBytes > kBufferSize) Flush();
    return buffer_.get() + size_;
  }
  void EndRow(char* end) {
    *end++ = '\n';
    size_ = static_cast<size_t>(end - buffer_.get());
    ++stats_.rows;
  }
  ShardStats Finish();

 private:
  static constexpr size_t kBufferSize = size_t{256} * 1024;
  void Flush();

  std::string path_;
  std::string temporary_path_;
  GzipWriter gzip_;
  std::unique_ptr<char[]> buffer_;
  size_t size_ = 0;
  bool finished_ = false;
  ShardStats stats_;
};

ShardStats WriteMachineEvents(const std::string& path, const MachinePopulation& machines);
ShardStats WriteMachineAttributes(const std::string& path, uint64_t seed,
                                  const MachinePopulation& machines);
ShardStats WriteJobEvents(const std::string& path, uint64_t seed,
                          const std::vector<JobEventRow>& rows);
ShardStats WriteTaskEvents(const std::string& path, uint64_t seed,
                           const std::vector<TaskEventRow>& rows);
ShardStats WriteTaskConstraints(const std::string& path, uint64_t seed,
                                const std::vector<ConstraintRow>& rows);
// task_usage of one slice: a row per run and 5-minute window, sorted by
// start time, then job, task and machine (task_usage.cc).
ShardStats WriteTaskUsage(const std::string& path, const TraceShape& shape,
                          const std::vector<UsageRun>& runs);

}  // namespace borgscope::gen
