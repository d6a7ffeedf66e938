#pragma once
// Each machine's ADD and REMOVE events (machine_events), for the analyses that
// follow machines going offline and back (q2, q9), and the largest timestamp
// of the table. Merge: events appended per machine, ordered when read.

#include <absl/container/flat_hash_map.h>

#include <span>
#include <vector>

#include "engine/wire.h"
#include "trace/row_batch.h"
#include "trace/trace_order.h"

namespace borgscope {

struct UpDownEvent {
  TraceOrder order;
  bool add = false;  // ADD, else REMOVE
};

class MachineUpDown {
 public:
  static ColumnMask Columns();

  void Consume(const RowBatch& machine_events);
  void Merge(const MachineUpDown& other);
  void Serialize(WireWriter& out) const;
  // Serialize, split by machine (key_partition.h).
  void SerializePartitions(std::span<WireWriter> parts) const;
  void KeepPartition(size_t part, size_t parts);
  void Deserialize(WireReader& in);

  // Machine id -> its ADD/REMOVE events, in no particular order.
  const absl::flat_hash_map<int64_t, std::vector<UpDownEvent>>& machines() const { return events_; }
  // The machine's events in trace order.
  static std::vector<UpDownEvent> Sorted(const std::vector<UpDownEvent>& events);
  // Largest timestamp of machine_events (2^63-1 excluded).
  int64_t trace_end() const { return trace_end_; }

 private:
  absl::flat_hash_map<int64_t, std::vector<UpDownEvent>> events_;
  int64_t trace_end_ = 0;
};

}  // namespace borgscope
