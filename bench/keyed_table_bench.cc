// Kernels of the engine's keyed table (engine/keyed_table.h):
//
//   merge   a shard's table after another into one merged table, as the
//           scan absorbs each shard's state: Arg(0) merged keys at the end
//           (1 M: past the caches, as the task table at scale 8), shards of
//           4096 tasks of which 3/8 came in an earlier one, any (as at
//           `gen --scale 8`: 1.6 M shard entries, 0.61 M of them already merged). Items per second
//           are the shards' entries.
//   blocks  the same shards' tasks in TaskBlocks (engine/task_blocks.h), 32
//           neighbouring tasks of a job to a key: a fresh task's block most
//           often holds the tasks after it; a repeated one is alone in its
//           block (a task seen in an earlier shard, drawn at random).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "engine/keyed_table.h"
#include "engine/task_blocks.h"
#include "trace/trace_order.h"

namespace borgscope::bench {
namespace {

struct Facts {  // 8 bytes, as task_outcomes' TaskFacts
  uint32_t bits = 0;
  uint32_t more = 0;
};
struct FactsSpec {
  static int64_t IdOf(const TaskKey& key) { return key.job_id; }
  static void Combine(Facts& mine, const Facts& theirs) { mine.bits |= theirs.bits; }
};
using FactsTable = KeyedTable<TaskKey, Facts, FactsSpec>;

// The shards' tables: jobs of ~40 tasks with ids spread as the trace's.
std::vector<FactsTable> Shards(size_t merged_keys) {
  constexpr size_t kShardKeys = 4096;
  std::mt19937_64 random(3);
  std::vector<TaskKey> seen;
  std::vector<FactsTable> shards;
  int64_t job = 6'000'000'000, task = 0;
  while (seen.size() < merged_keys) {
    FactsTable& shard = shards.emplace_back();
    for (size_t k = 0; k < kShardKeys; ++k) {
      TaskKey key;
      if (!seen.empty() && random() % 8 < 3) {
        key = seen[random() % seen.size()];
      } else {
        if (task == 40) {
          job += 1 + static_cast<int64_t>(random() % 1000);
          task = 0;
        }
        key = TaskKey{job, task++};
        seen.push_back(key);
      }
      shard[key].bits |= 1u << (random() % 32);
    }
  }
  return shards;
}

// The shards merged one after another into an empty Merged, `entries`
// shard entries in all, per iteration.
template <typename Merged>
void MergeShards(benchmark::State& state, const std::vector<Merged>& shards, size_t entries) {
  for (auto _ : state) {
    Merged merged;
    for (const Merged& shard : shards) merged.Merge(shard);
    benchmark::DoNotOptimize(merged.empty());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * entries));
}

void BM_KeyedTableMerge(benchmark::State& state) {
  const std::vector<FactsTable> shards = Shards(static_cast<size_t>(state.range(0)));
  size_t entries = 0;
  for (const FactsTable& shard : shards) entries += shard.size();
  MergeShards(state, shards, entries);
}
BENCHMARK(BM_KeyedTableMerge)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_TaskBlocksMerge(benchmark::State& state) {
  using FactsBlocks = TaskBlocks<Facts, FactsSpec>;
  std::vector<FactsBlocks> shards;
  size_t entries = 0;
  for (const FactsTable& table : Shards(static_cast<size_t>(state.range(0)))) {
    FactsBlocks& shard = shards.emplace_back();
    for (const auto& [key, facts] : table) shard[key] = facts;
    entries += table.size();
  }
  MergeShards(state, shards, entries);
}
BENCHMARK(BM_TaskBlocksMerge)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace borgscope::bench
