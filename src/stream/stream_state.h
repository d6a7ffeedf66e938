#pragma once
// What `borgscope stream` counts: events per (table, scheduling class, event
// type), in total and per event-time window, with the de-duplication sets
// that make each source position count once. A state in the spirit of
// engine/analysis.h: Consume / Merge / Serialize / Deserialize, and the
// checkpoint is its serialized form.
//
// Merge: distributive (sums of counts, unions of seen lines). Merging states
// that counted the same source position twice double-counts it: merge states
// of disjoint inputs, as threads and ranks do.

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/wire.h"
#include "stream/event_message.h"
#include "stream/seen_lines.h"

namespace borgscope {

struct CountKey {
  Table table = Table::kTaskEvents;
  int64_t scheduling_class = kNull;
  int64_t event_type = 0;

  friend auto operator<=>(const CountKey&, const CountKey&) = default;
  template <typename H>
  friend H AbslHashValue(H state, const CountKey& key) {
    return H::combine(std::move(state), key.table, key.scheduling_class, key.event_type);
  }
};

using Counts = absl::flat_hash_map<CountKey, uint64_t>;

class StreamState {
 public:
  // Windows older than this many windows behind the newest are dropped.
  static constexpr size_t kMaxWindows = 2000;
  static constexpr int64_t kDefaultWindowMicros = 3'600'000'000;  // one trace hour

  explicit StreamState(int64_t window_micros = kDefaultWindowMicros);

  // Counts one event unless its source position was counted before (then it
  // is a duplicate: counted in duplicates() only). Without a source position
  // (a message from another producer) it is always counted. Returns whether
  // the event was counted.
  bool Consume(Table table, const EventFields& fields, const std::optional<SourcePosition>& source);

  void Merge(const StreamState& other);
  void Serialize(WireWriter& out) const;
  // Replaces this state with what Serialize wrote.
  void Deserialize(WireReader& in);

  const Counts& totals() const { return totals_; }
  // Window index (event time / window) -> counts; times 2^63-1 ("after the
  // trace window") are in the totals only.
  const std::map<int64_t, Counts>& windows() const { return windows_; }
  int64_t window_micros() const { return window_micros_; }
  // The newest window that an event of a later window has closed.
  std::optional<int64_t> LatestClosedWindow() const;
  uint64_t counted() const { return counted_; }
  uint64_t duplicates() const { return duplicates_; }
  int64_t max_event_time() const { return max_event_time_; }
  // Per source "table:shard": the lines 1..N all counted (N), and how many
  // lines after N are counted too — a gap shows where messages are missing.
  struct SourceProgress {
    std::string source;
    uint64_t contiguous = 0;
    uint64_t counted_after = 0;
  };
  std::vector<SourceProgress> Sources() const;

 private:
  int64_t window_micros_;
  Counts totals_;
  std::map<int64_t, Counts> windows_;
  // Key: table * 2^32 + shard.
  absl::flat_hash_map<uint64_t, SeenLines> seen_;
  uint64_t counted_ = 0;
  uint64_t duplicates_ = 0;
  int64_t max_event_time_ = -1;  // largest time below 2^63-1 counted
};

}  // namespace borgscope
