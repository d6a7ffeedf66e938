#pragma once
// Each machine's capacity: its last non-empty cpus and memory in trace order
// (a machine's first ADD may carry empty capacities that a later UPDATE fills
// in). Shared by every analysis that needs capacities (q1, q2, q8, q9, q10).
// Merge: per machine and resource, the value with the later trace order.

#include <array>
#include <cstdint>
#include <span>
#include <type_traits>

#include "engine/keyed_table.h"
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

struct MachineCapacitySpec {
  static int64_t IdOf(int64_t machine_id) { return machine_id; }
  static void Combine(MachineCapacity& mine, const MachineCapacity& theirs) {
    mine.cpus.Merge(theirs.cpus);
    mine.memory.Merge(theirs.memory);
  }
};

// Per machine, its last non-empty capacities: a keyed table split by machine,
// merged, sent and spilled by the engine (engine/keyed_table.h).
class MachineCapacities : public KeyedTable<int64_t, MachineCapacity, MachineCapacitySpec> {
 public:
  // Columns of machine_events this reads.
  static ColumnMask Columns();

  void Consume(const RowBatch& machine_events);

  // Every machine with an event, with its capacities.
  const MachineCapacities& machines() const { return *this; }
  // kNull when unknown.
  int64_t Cpus(int64_t machine_id) const;
  int64_t Memory(int64_t machine_id) const;

  // Both capacities of machine after machine, each looked up once per run of
  // the same machine (q8 and q9 read a machine's windows in a row).
  class Reader {
   public:
    explicit Reader(const MachineCapacities& capacities) : capacities_(capacities) {}
    // {cpus, memory} of `machine_id`, kNull when unknown.
    const std::array<int64_t, 2>& Of(int64_t machine_id) {
      if (!read_ || machine_id != machine_id_) {
        read_ = true;
        machine_id_ = machine_id;
        capacity_ = {capacities_.Cpus(machine_id), capacities_.Memory(machine_id)};
      }
      return capacity_;
    }

   private:
    const MachineCapacities& capacities_;
    bool read_ = false;
    int64_t machine_id_ = 0;
    std::array<int64_t, 2> capacity_{kNull, kNull};
  };
};

}  // namespace borgscope
