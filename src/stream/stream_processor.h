#pragma once
// `borgscope stream`'s engine: a Kafka consumer-group member reading
// task-events and job-events into a StreamState, checkpointing it with the
// offsets it covers, and keeping the live figures the metrics page shows.
//
// Offsets live in the checkpoint, not in Kafka: on every partition assignment
// the consumer seeks to the offset the in-memory state covers (the
// checkpoint's after a restart, the beginning for a partition it never saw),
// so the state and its offsets can never disagree. Offsets are also committed
// to Kafka after each checkpoint, only for tools that show group lag.
// One member per group: the state is the whole stream's count (the group is
// for resuming and for lag, not for splitting the work).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "stream/checkpoint.h"
#include "stream/latency_histogram.h"
#include "stream/stream_state.h"

namespace borgscope {

// "1h", "30m", "90s", "1d" or plain seconds -> microseconds; UsageError otherwise.
int64_t ParseWindowMicros(std::string_view text);

struct StreamOptions {
  std::string brokers;
  std::string group = "borgscope-stream";
  std::string checkpoint_dir;  // empty: no checkpoints (state lives in memory only)
  int64_t window_micros = StreamState::kDefaultWindowMicros;
  double checkpoint_interval_seconds = 5;
  int session_timeout_ms = 10000;
  std::map<std::string, std::string> kafka_config;  // extra consumer settings (-X k=v)
  const std::atomic<bool>* stop = nullptr;
};

// Figures of this process's run (not checkpointed).
struct LiveStats {
  LatencyHistogram latency;
  double events_per_second = 0;
  PartitionOffsets lag;  // (topic, partition) -> messages behind the partition's end
  uint64_t bad_messages = 0;
  // Messages that were gone from a partition when the stream got there (the
  // broker dropped them, e.g. by retention, before they were read).
  uint64_t messages_missed = 0;
  uint64_t checkpoints_written = 0;
  bool assigned = false;  // has partitions
};

class StreamProcessor {
 public:
  // Loads the checkpoint when options.checkpoint_dir has one.
  explicit StreamProcessor(StreamOptions options);
  ~StreamProcessor();
  StreamProcessor(const StreamProcessor&) = delete;
  StreamProcessor& operator=(const StreamProcessor&) = delete;

  // Consumes until options.stop is set, then writes a final checkpoint and
  // leaves the group.
  void Run();

  // Calls `read(state, stats)` under the lock the consumer updates them with.
  template <typename Reader>
  void Read(Reader&& read) const {
    std::lock_guard lock(mutex_);
    read(state_, stats_);
  }

  bool resumed() const { return resumed_; }

 private:
  class Consumer;

  void Checkpoint();

  StreamOptions options_;
  mutable std::mutex mutex_;  // guards state_ and stats_ against readers
  StreamState state_;
  LiveStats stats_;
  bool resumed_ = false;
  PartitionOffsets resumed_offsets_;
  std::unique_ptr<Consumer> consumer_;
};

}  // namespace borgscope
