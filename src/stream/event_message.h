#pragma once
// One trace event as a Kafka message — the contract between `replay` and
// `stream` (and anyone reading the topics with kcat):
//
//   topic    task-events / job-events
//   key      job_id, decimal text (so a job's events stay in one partition)
//   value    the row as a flat JSON object with DESIGN.md's column names
//            (numbers as numbers, empty fields as null, hashes as strings),
//            or with --format csv the raw CSV line
//   headers  source      "<table>:<shard>:<line>", e.g. "task_events:0:123",
//                        the row's place in the trace: the consumer's
//                        de-duplication key
//            produced_us wall-clock microseconds since the epoch when replay
//                        produced it: the start of the latency measurement

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "trace/schema.h"

namespace borgscope {

inline constexpr std::string_view kTaskEventsTopic = "task-events";
inline constexpr std::string_view kJobEventsTopic = "job-events";
inline constexpr const char* kSourceHeader = "source";

// Only job_events and task_events are streamed.
std::string_view TopicOf(Table table);
std::optional<Table> TableOfTopic(std::string_view topic);

enum class EventFormat : uint8_t { kJson, kCsv };

// Appends the JSON object of one row of `table` given its raw CSV fields.
void AppendEventJson(Table table, std::span<const std::string_view> fields, std::string& out);

struct SourcePosition {
  Table table = Table::kTaskEvents;
  uint32_t shard = 0;
  uint64_t line = 0;
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};
std::string FormatSource(const SourcePosition& source);
std::optional<SourcePosition> ParseSource(std::string_view text);

// What the stream needs of an event, decoded from a message value in either
// format. scheduling_class is kNull when the field is empty.
struct EventFields {
  int64_t time = 0;
  int64_t scheduling_class = kNull;
  int64_t event_type = 0;
};
// nullopt when the value is not a well-formed event of `table`.
std::optional<EventFields> DecodeEvent(Table table, std::string_view value);

// Wall-clock microseconds since the epoch (comparable across processes).
int64_t WallMicros();

}  // namespace borgscope
