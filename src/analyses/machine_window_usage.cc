#include "analyses/machine_window_usage.h"

#include <algorithm>

#include "analyses/absorb.h"
#include "engine/key_partition.h"
#include "trace/schema.h"

namespace borgscope {

ColumnMask MachineWindowUsage::Columns() {
  using namespace task_usage;
  return ColumnBit(kStartTime) | ColumnBit(kEndTime) | ColumnBit(kMachineId) | ColumnBit(kCpuRate) |
         ColumnBit(kCanonicalMemoryUsage);
}

void MachineWindowUsage::Consume(const RowBatch& rows) {
  using namespace task_usage;
  for (size_t r = 0; r < rows.size; ++r) {
    int64_t cpu = rows.Value(kCpuRate, r), memory = rows.Value(kCanonicalMemoryUsage, r);
    if (cpu == kNull && memory == kNull) continue;
    int64_t start = rows.Value(kStartTime, r);
    int64_t duration = std::max<int64_t>(0, rows.Value(kEndTime, r) - start);
    WindowLoad& load = windows_[MachineWindow{rows.Value(kMachineId, r), WindowOf(start)}];
    if (cpu != kNull) {
      load.sum[0] += static_cast<__int128>(cpu) * duration;
      load.present[0] = true;
    }
    if (memory != kNull) {
      load.sum[1] += static_cast<__int128>(memory) * duration;
      load.present[1] = true;
    }
  }
}

void MachineWindowUsage::Merge(const MachineWindowUsage& other) {
  for (const auto& [key, theirs] : other.windows_) {
    WindowLoad& mine = windows_[key];
    for (int resource = 0; resource < 2; ++resource) {
      mine.sum[resource] += theirs.sum[resource];
      mine.present[resource] = mine.present[resource] || theirs.present[resource];
    }
  }
}

void MachineWindowUsage::Absorb(MachineWindowUsage&& other) {
  AbsorbMap(windows_, std::move(other.windows_), [](WindowLoad& mine, const WindowLoad& theirs) {
    for (int resource = 0; resource < 2; ++resource) {
      mine.sum[resource] += theirs.sum[resource];
      mine.present[resource] = mine.present[resource] || theirs.present[resource];
    }
  });
}

void MachineWindowUsage::Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }

void MachineWindowUsage::SerializePartitions(std::span<WireWriter> parts) const {
  SerializeByPartition(
      windows_, parts, [](const auto& entry) { return entry.first.machine_id; },
      [](WireWriter& out, const auto& entry) {
        out.Put(entry.first.machine_id);
        out.Put(entry.first.window);
        for (int resource = 0; resource < 2; ++resource) {
          out.Put(entry.second.sum[resource]);
          out.Put<uint8_t>(entry.second.present[resource]);
        }
      });
}

void MachineWindowUsage::KeepPartition(size_t part, size_t parts) {
  borgscope::KeepPartition(windows_, part, parts,
                           [](const auto& entry) { return entry.first.machine_id; });
}

void MachineWindowUsage::Deserialize(WireReader& in) {
  const uint64_t n = in.GetCount(16 + 2 * 17);
  ReserveForMore(windows_, n);
  for (uint64_t i = 0; i < n; ++i) {
    MachineWindow key;
    key.machine_id = in.Get<int64_t>();
    key.window = in.Get<int64_t>();
    WindowLoad& load = windows_[key];
    for (int resource = 0; resource < 2; ++resource) {
      load.sum[resource] += in.Get<__int128>();
      load.present[resource] = in.Get<uint8_t>() != 0 || load.present[resource];
    }
  }
}

int MachineWindowUsage::UsageBucket(__int128 sum, int64_t capacity) {
  // 10 x (sum / 300 s) / capacity, floored; sum and capacity are >= 0.
  __int128 denominator = static_cast<__int128>(kWindowUs) * capacity;
  __int128 bucket = (10 * sum) / denominator;
  return static_cast<int>(std::clamp<__int128>(bucket, 0, 10));
}

bool MachineWindowUsage::OverCapacity(__int128 sum, int64_t capacity) {
  return sum > static_cast<__int128>(kWindowUs) * capacity;
}

}  // namespace borgscope
