#pragma once
// Per machine and 5-minute window [k*300 s, (k+1)*300 s), the exact sum of
// rate x (end_time - start_time) of the task_usage rows whose start_time falls
// in it, per resource (cpu_rate, canonical_memory_usage). Divided by 300 s it
// is the machine's mean load over the window. Shared by q8 and q9.
// Merge: exact integer sums per (machine, window).

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <cstdint>
#include <span>

#include "engine/wire.h"
#include "trace/row_batch.h"

namespace borgscope {

inline constexpr int64_t kWindowUs = 300'000'000;

inline int64_t WindowOf(int64_t time_us) { return time_us / kWindowUs; }

struct MachineWindow {
  int64_t machine_id = 0;
  int64_t window = 0;
  friend auto operator<=>(const MachineWindow&, const MachineWindow&) = default;
  template <typename H>
  friend H AbslHashValue(H state, const MachineWindow& key) {
    return H::combine(std::move(state), key.machine_id, key.window);
  }
};

struct WindowLoad {
  __int128 sum[2] = {0, 0};          // cpu, memory: fixed point x microseconds
  bool present[2] = {false, false};  // the window has a row with a value
};

class MachineWindowUsage {
 public:
  static ColumnMask Columns();

  void Consume(const RowBatch& task_usage);
  void Merge(const MachineWindowUsage& other);
  void Absorb(MachineWindowUsage&& other);
  void Serialize(WireWriter& out) const;
  // Serialize, split by machine (key_partition.h).
  void SerializePartitions(std::span<WireWriter> parts) const;
  void KeepPartition(size_t part, size_t parts);
  void Deserialize(WireReader& in);

  const absl::flat_hash_map<MachineWindow, WindowLoad>& windows() const { return windows_; }

  // floor(10 x load / capacity), capped at 10, exactly: load = sum / 300 s.
  static int UsageBucket(__int128 sum, int64_t capacity);
  // load strictly above capacity.
  static bool OverCapacity(__int128 sum, int64_t capacity);

 private:
  absl::flat_hash_map<MachineWindow, WindowLoad> windows_;
};

}  // namespace borgscope
