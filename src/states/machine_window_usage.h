#pragma once
// Per machine and 5-minute window [k*300 s, (k+1)*300 s), the exact sum of
// rate x (end_time - start_time) of the task_usage rows whose start_time falls
// in it, per resource (cpu_rate, canonical_memory_usage). Divided by 300 s it
// is the machine's mean load over the window. Shared by q8 and q9.
// Merge: exact integer sums per (machine, window).
//

#include <absl/hash/hash.h>

#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "engine/keyed_table.h"
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

// One machine-window's load, as ForEachWindow hands it out.
struct WindowLoad {
  __int128 sum[2] = {0, 0};          // cpu, memory: fixed point x microseconds
  bool present[2] = {false, false};  // the window has a row with a value
};

// The parts of the table, by chunk of kChunkWindows consecutive windows of
// one machine.
namespace window_chunks {

inline constexpr int kChunkWindows = 16;  // 80 minutes

struct MachineChunk {
  int64_t machine_id = 0;
  int64_t chunk = 0;  // windows [chunk x kChunkWindows, (chunk + 1) x kChunkWindows)
  friend bool operator==(const MachineChunk&, const MachineChunk&) = default;
  template <typename H>
  friend H AbslHashValue(H state, const MachineChunk& key) {
    return H::combine(std::move(state), key.machine_id, key.chunk);
  }
};

// The sums of a chunk's windows, in 96 bits each (low 64 bits, high 32): a
// machine-window's sum takes ~72 bits at most on real data (the rates of a
// machine's tasks x 300 s x 1e12), and 128-bit slots were a third of the
// table. A sum beyond 96 bits (corrupt input) is a DataError, not a wrong
// answer. Window-major, each window's four words together: a row adds into
// 24 bytes (one cache line, or two), where the high words apart from the low
// ones took a line more. No padding: sent as one block.
struct ChunkSums {
  struct Window {
    uint64_t low[2];  // cpu, memory
    int32_t high[2];
  };
  Window windows[kChunkWindows] = {};
  __int128 Get(int w, int resource) const {
    const Window& window = windows[w];
    const auto high_bits =
        static_cast<unsigned __int128>(static_cast<__int128>(window.high[resource]));
    return static_cast<__int128>(high_bits << 64 | window.low[resource]);
  }
  void Add(int w, int resource, __int128 delta);
};
static_assert(std::has_unique_object_representations_v<ChunkSums>);

using PresenceBits = std::array<uint16_t, 2>;  // cpu, memory

struct Chunk {
  PresenceBits present{};  // bit w: window w has a value (cpu, memory); next to the key
  ChunkSums sums;
};

// The engine's table spec (keyed_table.h): split by machine, sums added; on
// the wire, the presence bits and the sums (no padding between them).
struct ChunkSpec {
  static int64_t IdOf(const MachineChunk& key) { return key.machine_id; }
  static void Combine(Chunk& mine, const Chunk& theirs);
  static void PutValue(WireWriter& out, const Chunk& chunk) {
    out.Put(chunk.present);
    out.Put(chunk.sums);
  }
  static void MergeValue(WireReader& in, Chunk& into);
  static constexpr size_t kSmallestValueBytes = sizeof(PresenceBits) + sizeof(ChunkSums);
};

}  // namespace window_chunks

// Windows are kept in chunks of kChunkWindows consecutive windows of one
// machine: a row adds into a slot of its chunk, and the table is merged,
// split by machine and sent a chunk at a time (one entry per chunk, not per
// window). The engine's keyed table keeps each chunk (~400 bytes) once and
// never moves it as the table grows: its index holds entry numbers.
class MachineWindowUsage : public KeyedTable<window_chunks::MachineChunk, window_chunks::Chunk,
                                             window_chunks::ChunkSpec> {
 public:
  static constexpr int kChunkWindows = window_chunks::kChunkWindows;

  static ColumnMask Columns();

  void Consume(const RowBatch& task_usage);

  // fn(const MachineWindow&, const WindowLoad&) for every machine-window with
  // a value of either resource, in no particular order.
  template <typename Fn>
  void ForEachWindow(Fn fn) const {
    for (const auto& [key, chunk] : *this) {
      for (uint32_t mask = chunk.present[0] | chunk.present[1]; mask != 0; mask &= mask - 1) {
        const int w = std::countr_zero(mask);
        WindowLoad load;
        for (int resource = 0; resource < 2; ++resource) {
          load.sum[resource] = chunk.sums.Get(w, resource);
          load.present[resource] = (chunk.present[resource] >> w) & 1;
        }
        fn(MachineWindow{key.machine_id, key.chunk * kChunkWindows + w}, load);
      }
    }
  }

  // The machine-windows with a value of `resource` (0: cpu, 1: memory).
  uint64_t WindowsWith(int resource) const {
    uint64_t windows = 0;
    for (const auto& [key, chunk] : *this) {
      windows += static_cast<uint64_t>(std::popcount(chunk.present[resource]));
    }
    return windows;
  }

  // floor(10 x load / capacity), capped at 10, exactly: load = sum / 300 s.
  static int UsageBucket(__int128 sum, int64_t capacity);
  // load strictly above capacity.
  static bool OverCapacity(__int128 sum, int64_t capacity);
};

}  // namespace borgscope
