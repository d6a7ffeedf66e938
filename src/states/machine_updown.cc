#include "states/machine_updown.h"

#include <algorithm>

namespace borgscope {

ColumnMask MachineUpDown::Columns() {
  using namespace machine_events;
  return ColumnBit(kTime) | ColumnBit(kMachineId) | ColumnBit(kEventType);
}

void MachineUpDown::Consume(const RowBatch& rows) {
  using namespace machine_events;
  for (size_t r = 0; r < rows.size; ++r) {
    int64_t time = rows.Value(kTime, r);
    if (time != kTimeAfterWindow) trace_end_.value = std::max(trace_end_.value, time);
    int64_t type = rows.Value(kEventType, r);
    if (type == static_cast<int64_t>(MachineEventType::kUpdate)) continue;
    rows_.Insert({rows.Value(kMachineId, r), TraceOrder::Of(rows, kTime, r),
                  type == static_cast<int64_t>(MachineEventType::kAdd)});
  }
}

UpDownByMachine MachineUpDown::ByMachine() const {
  UpDownByMachine machines;
  for (const auto& entry : rows_) {
    machines[entry.key.machine_id].push_back({entry.key.order, entry.key.add != 0});
  }
  for (auto& [id, events] : machines) {
    std::sort(events.begin(), events.end(),
              [](const UpDownEvent& a, const UpDownEvent& b) { return a.order < b.order; });
  }
  return machines;
}

}  // namespace borgscope
