#include "states/machine_capacity.h"

namespace borgscope {

ColumnMask MachineCapacities::Columns() {
  using namespace machine_events;
  return ColumnBit(kTime) | ColumnBit(kMachineId) | ColumnBit(kCpus) | ColumnBit(kMemory);
}

void MachineCapacities::Consume(const RowBatch& rows) {
  using namespace machine_events;
  for (size_t r = 0; r < rows.size; ++r) {
    MachineCapacity& machine = (*this)[rows.Value(kMachineId, r)];
    TraceOrder at = TraceOrder::Of(rows, kTime, r);
    machine.cpus.Offer(at, rows.Value(kCpus, r));
    machine.memory.Offer(at, rows.Value(kMemory, r));
  }
}

int64_t MachineCapacities::Cpus(int64_t machine_id) const {
  const MachineCapacity* machine = Find(machine_id);
  return machine == nullptr ? kNull : machine->cpus.value;
}

int64_t MachineCapacities::Memory(int64_t machine_id) const {
  const MachineCapacity* machine = Find(machine_id);
  return machine == nullptr ? kNull : machine->memory.value;
}

}  // namespace borgscope
