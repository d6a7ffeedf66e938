#pragma once
// `borgscope replay`: the trace's job_events and task_events rows, merged in
// trace order (trace_merge.h), produced to Kafka as event messages
// (event_message.h), paced by a speed factor and/or an event rate.
//
// Delivery is counted from librdkafka's delivery reports: a message counts as
// delivered only when the broker acknowledged it (acks=all). The producer is
// idempotent, but the mock broker still stores retried batches twice (and
// out of order), which is why every message carries its source position.

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/shards.h"
#include "stream/event_message.h"

namespace borgscope {

struct ReplayOptions {
  std::string trace_dir;
  std::string brokers;
  // Trace seconds per wall second (432000 = 5 trace days a second); 0 = no pacing.
  double speed = 432000;
  // At most this many events per wall second; 0 = no limit.
  double max_rate = 0;
  ShardRange shards;
  std::vector<Table> tables = {Table::kJobEvents, Table::kTaskEvents};
  EventFormat format = EventFormat::kJson;
  int flush_timeout_ms = 60000;
  bool progress = true;                             // the progress line on stderr
  std::map<std::string, std::string> kafka_config;  // extra producer settings (-X k=v)
  const std::atomic<bool>* stop = nullptr;          // stop producing when set
};

struct ReplayResult {
  uint64_t produced = 0;     // handed to the producer
  uint64_t delivered = 0;    // acknowledged by the broker
  uint64_t failed = 0;       // delivery reports with an error
  uint64_t undelivered = 0;  // still queued when the flush timed out
  bool interrupted = false;  // stopped before the end of the trace
  double seconds = 0;
  int64_t last_trace_time = 0;
  std::string first_error;
  bool Complete() const {
    return !interrupted && failed == 0 && undelivered == 0 && delivered == produced;
  }
};

ReplayResult RunReplay(const ReplayOptions& options);

// "5d 03:12:45" for a trace time in microseconds.
std::string FormatTraceTime(int64_t micros);

}  // namespace borgscope
