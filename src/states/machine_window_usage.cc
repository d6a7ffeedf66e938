#include "states/machine_window_usage.h"

#include <algorithm>
#include <array>

#include "errors.h"
#include "trace/schema.h"

namespace borgscope {

ColumnMask MachineWindowUsage::Columns() {
  using namespace task_usage;
  return ColumnBit(kStartTime) | ColumnBit(kEndTime) | ColumnBit(kMachineId) | ColumnBit(kCpuRate) |
         ColumnBit(kCanonicalMemoryUsage);
}

namespace window_chunks {

void ChunkSums::Add(int w, int resource, __int128 delta) {
  constexpr __int128 kLimit = static_cast<__int128>(1) << 95;
  const __int128 sum = Get(w, resource) + delta;
  if (sum >= kLimit || sum < -kLimit) [[unlikely]] {
    throw DataError("task_usage: a machine-window's usage sum is beyond 96 bits (corrupt rates?)");
  }
  windows[w].low[resource] = static_cast<uint64_t>(sum);
  windows[w].high[resource] = static_cast<int32_t>(sum >> 64);
}

namespace {
void AddChunk(Chunk& into, const PresenceBits& present, const ChunkSums& sums) {
  for (int w = 0; w < kChunkWindows; ++w) {
    if (((present[0] | present[1]) >> w & 1) == 0) continue;
    into.sums.Add(w, 0, sums.Get(w, 0));
    into.sums.Add(w, 1, sums.Get(w, 1));
  }
  into.present[0] |= present[0];
  into.present[1] |= present[1];
}
}  // namespace

void ChunkSpec::Combine(Chunk& mine, const Chunk& theirs) {
  AddChunk(mine, theirs.present, theirs.sums);
}

void ChunkSpec::MergeValue(WireReader& in, Chunk& into) {
  const auto present = in.Get<PresenceBits>();
  AddChunk(into, present, in.Get<ChunkSums>());
}

}  // namespace window_chunks

void MachineWindowUsage::Consume(const RowBatch& rows) {
  using namespace task_usage;
  static_assert(std::has_single_bit(static_cast<unsigned>(kChunkWindows)));
  constexpr int kShift = std::countr_zero(static_cast<unsigned>(kChunkWindows));
  // The rows with a value, a group at a time: their chunks' keys first, then
  // the sums, each chunk's lookup started a few rows ahead (a row's chunk is
  // rarely the one before's: the rows of a time go round the machines).
  constexpr size_t kGroup = 256;
  std::array<window_chunks::MachineChunk, kGroup> keys;
  std::array<uint32_t, kGroup> row_of;
  std::array<uint8_t, kGroup> window_in_chunk;
  std::array<window_chunks::Chunk*, kGroup> chunks;
  for (size_t next = 0; next < rows.size;) {
    size_t n = 0;
    for (; next < rows.size && n < kGroup; ++next) {
      if (rows.Value(kCpuRate, next) == kNull && rows.Value(kCanonicalMemoryUsage, next) == kNull)
        continue;
      // Arithmetic shift and mask: floor division, also for windows before 0.
      const int64_t window = WindowOf(rows.Value(kStartTime, next));
      keys[n] = {rows.Value(kMachineId, next), window >> kShift};
      window_in_chunk[n] = static_cast<uint8_t>(window & (kChunkWindows - 1));
      row_of[n++] = static_cast<uint32_t>(next);
    }
    // The chunks found first, each row's window fetched; then the sums
    // added (a window's 24 bytes are rarely on its chunk's first line).
    ForEachKeyAhead(
        n, [&](size_t i) -> const window_chunks::MachineChunk& { return keys[i]; },
        [&](size_t i, window_chunks::Chunk& chunk) {
          chunks[i] = &chunk;
          __builtin_prefetch(&chunk.sums.windows[window_in_chunk[i]], 1);
        });
    for (size_t i = 0; i < n; ++i) {
      window_chunks::Chunk& chunk = *chunks[i];
      const size_t r = row_of[i];
      const int64_t cpu = rows.Value(kCpuRate, r), memory = rows.Value(kCanonicalMemoryUsage, r);
      const int64_t start = rows.Value(kStartTime, r);
      const int64_t duration = std::max<int64_t>(0, rows.Value(kEndTime, r) - start);
      const int w = window_in_chunk[i];
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
