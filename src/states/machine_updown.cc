#include "states/machine_updown.h"

#include <algorithm>

#include "engine/absorb.h"
#include "engine/key_partition.h"

namespace borgscope {

ColumnMask MachineUpDown::Columns() {
  using namespace machine_events;
  return ColumnBit(kTime) | ColumnBit(kMachineId) | ColumnBit(kEventType);
}

void MachineUpDown::Consume(const RowBatch& rows) {
  using namespace machine_events;
  for (size_t r = 0; r < rows.size; ++r) {
    int64_t time = rows.Value(kTime, r);
    if (time != kTimeAfterWindow) trace_end_ = std::max(trace_end_, time);
    int64_t type = rows.Value(kEventType, r);
    if (type == static_cast<int64_t>(MachineEventType::kUpdate)) continue;
    events_[rows.Value(kMachineId, r)].push_back(
        {TraceOrder::Of(rows, kTime, r), type == static_cast<int64_t>(MachineEventType::kAdd)});
  }
}

void MachineUpDown::Merge(const MachineUpDown& other) {
  trace_end_ = std::max(trace_end_, other.trace_end_);
  for (const auto& [id, events] : other.events_) {
    auto& mine = events_[id];
    mine.insert(mine.end(), events.begin(), events.end());
  }
}

void MachineUpDown::Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }

void MachineUpDown::SerializePartitions(std::span<WireWriter> parts) const {
  for (size_t p = 0; p < parts.size(); ++p) parts[p].Put<int64_t>(p == 0 ? trace_end_ : 0);
  SerializeByPartition(
      events_, parts, [](const auto& entry) { return entry.first; },
      [](WireWriter& out, const auto& entry) {
        out.Put(entry.first);
        out.Put<uint64_t>(entry.second.size());
        for (const UpDownEvent& event : entry.second) {
          out.Put(event.order);
          out.Put<uint8_t>(event.add);
        }
      });
}

void MachineUpDown::KeepPartition(size_t part, size_t parts) {
  if (part != 0) trace_end_ = 0;
  borgscope::KeepPartition(events_, part, parts, [](const auto& entry) { return entry.first; });
}

void MachineUpDown::Deserialize(WireReader& in) {
  trace_end_ = std::max(trace_end_, in.Get<int64_t>());
  const uint64_t machines = in.GetCount(16);
  ReserveForMore(events_, machines);
  for (uint64_t m = 0; m < machines; ++m) {
    auto& events = events_[in.Get<int64_t>()];
    for (uint64_t e = 0, count = in.GetCount(sizeof(TraceOrder) + 1); e < count; ++e) {
      UpDownEvent event;
      event.order = in.Get<TraceOrder>();
      event.add = in.Get<uint8_t>() != 0;
      events.push_back(event);
    }
  }
}

std::vector<UpDownEvent> MachineUpDown::Sorted(const std::vector<UpDownEvent>& events) {
  std::vector<UpDownEvent> sorted = events;
  std::sort(sorted.begin(), sorted.end(),
            [](const UpDownEvent& a, const UpDownEvent& b) { return a.order < b.order; });
  return sorted;
}

}  // namespace borgscope
