#pragma once
// Each machine's capacity: its last non-empty cpus and memory in trace order
// (a machine's first ADD may carry empty capacities that a later UPDATE fills
// in). Shared by every analysis that needs capacities (q1, q2, q8, q9, q10).
// Merge: per machine and resource, the value with the later trace order.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <span>
#include <type_traits>

#include "engine/wire.h"
#include "trace/row_batch.h"
#include "trace/trace_order.h"

namespace borgscope {

struct LastValue {
  TraceOrder order;       // when it was written
  int64_t value = kNull;  // fixed point; kNull: never seen non-empty
  void Offer(const TraceOrder& at, int64_t candidate) {
    if (candidate != kNull && order <= at) {
      order = at;
      value = candidate;
    }
  }
  void Merge(const LastValue& other) {
    if (other.value != kNull) Offer(other.order, other.value);
  }
};
// Sent as its bytes.
static_assert(std::has_unique_object_representations_v<LastValue>);

struct MachineCapacity {
  LastValue cpus;
  LastValue memory;
};

class MachineCapacities {
 public:
  // Columns of machine_events this reads.
  static ColumnMask Columns();

  void Consume(const RowBatch& machine_events);
  void Merge(const MachineCapacities& other);
  void Serialize(WireWriter& out) const;
  // Serialize, split by machine (key_partition.h).
  void SerializePartitions(std::span<WireWriter> parts) const;
  void KeepPartition(size_t part, size_t parts);
  void Deserialize(WireReader& in);

  const absl::flat_hash_map<int64_t, MachineCapacity>& machines() const { return machines_; }
  // kNull when unknown.
  int64_t Cpus(int64_t machine_id) const;
  int64_t Memory(int64_t machine_id) const;

 private:
  absl::flat_hash_map<int64_t, MachineCapacity> machines_;
};

}  // namespace borgscope
