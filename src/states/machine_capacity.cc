#include "states/machine_capacity.h"

#include "engine/absorb.h"
#include "engine/key_partition.h"

namespace borgscope {
namespace {

void PutLastValue(WireWriter& out, const LastValue& last) { out.Put(last); }

LastValue GetLastValue(WireReader& in) { return in.Get<LastValue>(); }

constexpr size_t kLastValueWireBytes = sizeof(LastValue);

}  // namespace

ColumnMask MachineCapacities::Columns() {
  using namespace machine_events;
  return ColumnBit(kTime) | ColumnBit(kMachineId) | ColumnBit(kCpus) | ColumnBit(kMemory);
}

void MachineCapacities::Consume(const RowBatch& rows) {
  using namespace machine_events;
  for (size_t r = 0; r < rows.size; ++r) {
    MachineCapacity& machine = machines_[rows.Value(kMachineId, r)];
    TraceOrder at = TraceOrder::Of(rows, kTime, r);
    machine.cpus.Offer(at, rows.Value(kCpus, r));
    machine.memory.Offer(at, rows.Value(kMemory, r));
  }
}

void MachineCapacities::Merge(const MachineCapacities& other) {
  for (const auto& [id, capacity] : other.machines_) {
    MachineCapacity& mine = machines_[id];
    mine.cpus.Merge(capacity.cpus);
    mine.memory.Merge(capacity.memory);
  }
}

void MachineCapacities::Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }

void MachineCapacities::SerializePartitions(std::span<WireWriter> parts) const {
  SerializeByPartition(
      machines_, parts, [](const auto& entry) { return entry.first; },
      [](WireWriter& out, const auto& entry) {
        out.Put(entry.first);
        PutLastValue(out, entry.second.cpus);
        PutLastValue(out, entry.second.memory);
      });
}

void MachineCapacities::KeepPartition(size_t part, size_t parts) {
  borgscope::KeepPartition(machines_, part, parts, [](const auto& entry) { return entry.first; });
}

void MachineCapacities::Deserialize(WireReader& in) {
  uint64_t count = in.GetCount(sizeof(int64_t) + 2 * kLastValueWireBytes);
  ReserveForMore(machines_, count);
  for (uint64_t i = 0; i < count; ++i) {
    int64_t id = in.Get<int64_t>();
    MachineCapacity& capacity = machines_[id];
    capacity.cpus.Merge(GetLastValue(in));
    capacity.memory.Merge(GetLastValue(in));
  }
}

int64_t MachineCapacities::Cpus(int64_t machine_id) const {
  auto it = machines_.find(machine_id);
  return it == machines_.end() ? kNull : it->second.cpus.value;
}

int64_t MachineCapacities::Memory(int64_t machine_id) const {
  auto it = machines_.find(machine_id);
  return it == machines_.end() ? kNull : it->second.memory.value;
}

}  // namespace borgscope
