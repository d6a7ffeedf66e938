#include "states/machine_window_usage.h"

#include <algorithm>

#include "engine/absorb.h"
#include "engine/key_partition.h"
#include "errors.h"
#include "trace/schema.h"

namespace borgscope {

ColumnMask MachineWindowUsage::Columns() {
  using namespace task_usage;
  return ColumnBit(kStartTime) | ColumnBit(kEndTime) | ColumnBit(kMachineId) | ColumnBit(kCpuRate) |
         ColumnBit(kCanonicalMemoryUsage);
}

void MachineWindowUsage::ChunkSums::Add(int w, int resource, __int128 delta) {
  constexpr __int128 kLimit = static_cast<__int128>(1) << 95;
  const __int128 sum = Get(w, resource) + delta;
  if (sum >= kLimit || sum < -kLimit) [[unlikely]] {
    throw DataError("task_usage: a machine-window's usage sum is beyond 96 bits (corrupt rates?)");
  }
  low[w][resource] = static_cast<uint64_t>(sum);
  high[w][resource] = static_cast<int32_t>(sum >> 64);
}

void MachineWindowUsage::Chunk::Add(const PresenceBits& present_bits, const ChunkSums& more) {
  for (int w = 0; w < kChunkWindows; ++w) {
    if (((present_bits[0] | present_bits[1]) >> w & 1) == 0) continue;
    sums.Add(w, 0, more.Get(w, 0));
    sums.Add(w, 1, more.Get(w, 1));
  }
  present[0] |= present_bits[0];
  present[1] |= present_bits[1];
}

void MachineWindowUsage::Consume(const RowBatch& rows) {
  using namespace task_usage;
  static_assert(std::has_single_bit(static_cast<unsigned>(kChunkWindows)));
  constexpr int kShift = std::countr_zero(static_cast<unsigned>(kChunkWindows));
  for (size_t r = 0; r < rows.size; ++r) {
    int64_t cpu = rows.Value(kCpuRate, r), memory = rows.Value(kCanonicalMemoryUsage, r);
    if (cpu == kNull && memory == kNull) continue;
    int64_t start = rows.Value(kStartTime, r);
    int64_t duration = std::max<int64_t>(0, rows.Value(kEndTime, r) - start);
    const int64_t window = WindowOf(start);
    // Arithmetic shift and mask: floor division, also for windows before 0.
    Chunk& chunk = chunks_[MachineChunk{rows.Value(kMachineId, r), window >> kShift}];
    const int w = static_cast<int>(window & (kChunkWindows - 1));
    if (cpu != kNull) {
      chunk.sums.Add(w, 0, static_cast<__int128>(cpu) * duration);
      chunk.present[0] |= uint16_t{1} << w;
    }
    if (memory != kNull) {
      chunk.sums.Add(w, 1, static_cast<__int128>(memory) * duration);
      chunk.present[1] |= uint16_t{1} << w;
    }
  }
}

void MachineWindowUsage::Merge(const MachineWindowUsage& other) {
  for (const auto& [key, theirs] : other.chunks_) chunks_[key].Add(theirs.present, theirs.sums);
}

void MachineWindowUsage::Absorb(MachineWindowUsage&& other) {
  AbsorbMap(chunks_, std::move(other.chunks_),
            [](Chunk& mine, const Chunk& theirs) { mine.Add(theirs.present, theirs.sums); });
}

void MachineWindowUsage::Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }

void MachineWindowUsage::SerializePartitions(std::span<WireWriter> parts) const {
  SerializeByPartition(
      chunks_, parts, [](const auto& entry) { return entry.first.machine_id; },
      [](WireWriter& out, const auto& entry) {
        const auto& [key, chunk] = entry;
        out.Put(key.machine_id);
        out.Put(key.chunk);
        out.Put(chunk.present);
        out.Put(chunk.sums);
      });
}

void MachineWindowUsage::KeepPartition(size_t part, size_t parts) {
  borgscope::KeepPartition(chunks_, part, parts,
                           [](const auto& entry) { return entry.first.machine_id; });
}

void MachineWindowUsage::Deserialize(WireReader& in) {
  constexpr size_t kEntryBytes = 2 * sizeof(int64_t) + sizeof(PresenceBits) + sizeof(ChunkSums);
  const uint64_t n = in.GetCount(kEntryBytes);
  ReserveForMore(chunks_, n);
  for (uint64_t i = 0; i < n; ++i) {
    MachineChunk key;
    key.machine_id = in.Get<int64_t>();
    key.chunk = in.Get<int64_t>();
    const auto present = in.Get<PresenceBits>();
    chunks_[key].Add(present, in.Get<ChunkSums>());
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
