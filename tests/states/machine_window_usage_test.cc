// MachineWindowUsage (states/machine_window_usage.h), shared by q8 and q9:
// windows on both sides of a chunk boundary, rows without values, and the
// state merged, serialized and split by machine. Sums counted by hand.

#include "states/machine_window_usage.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <vector>

#include "engine/key_partition.h"
#include "errors.h"
#include "trace/schema.h"

namespace borgscope {
namespace {

constexpr int64_t kSecond = 1'000'000;

struct UsageRow {
  int64_t machine, start, end, cpu, memory;
};

RowBatch TaskUsage(const std::vector<UsageRow>& rows) {
  using namespace task_usage;
  RowBatch batch;
  batch.table = Table::kTaskUsage;
  batch.size = rows.size();
  for (int column : {kStartTime, kEndTime, kMachineId, kCpuRate, kCanonicalMemoryUsage}) {
    batch.values[column].resize(rows.size());
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    batch.values[kMachineId][r] = rows[r].machine;
    batch.values[kStartTime][r] = rows[r].start;
    batch.values[kEndTime][r] = rows[r].end;
    batch.values[kCpuRate][r] = rows[r].cpu;
    batch.values[kCanonicalMemoryUsage][r] = rows[r].memory;
    batch.line.push_back(r + 1);
  }
  return batch;
}

// (machine, window) -> (cpu sum, memory sum, cpu present, memory present)
using Windows = std::map<std::pair<int64_t, int64_t>, std::tuple<int64_t, int64_t, bool, bool>>;

Windows AllWindows(const MachineWindowUsage& usage) {
  Windows windows;
  usage.ForEachWindow([&](const MachineWindow& key, const WindowLoad& load) {
    auto [it, inserted] =
        windows.try_emplace({key.machine_id, key.window}, static_cast<int64_t>(load.sum[0]),
                            static_cast<int64_t>(load.sum[1]), load.present[0], load.present[1]);
    EXPECT_TRUE(inserted) << "window listed twice";
  });
  return windows;
}

const int64_t w15 = 15 * 300 * kSecond, w16 = 16 * 300 * kSecond;  // chunk boundary at 16
const std::vector<UsageRow> kFirstRows = {
    {7, w15 + 10 * kSecond, w15 + 110 * kSecond, 3, kNull},  // w15: cpu 3 x 100 s
    {7, w16, w16 + 50 * kSecond, 2, 5},                      // w16: cpu 2 x 50 s, memory 5 x 50 s
};
const std::vector<UsageRow> kSecondRows = {
    {7, w16 + 1, w16 - 4, 4, kNull},                        // end before start: 0 s, still present
    {7, w15, w15 + kSecond, kNull, kNull},                  // no value: no window
    {9, 900 * kSecond, 1200 * kSecond, 1, 1},               // w3: 300 s of each
    {9, 1200 * kSecond + 1, 1300 * kSecond, kNull, kNull},  // w4 has no value: absent
};
const Windows kExpected = {
    {{7, 15}, {300 * kSecond, 0, true, false}},
    {{7, 16}, {100 * kSecond, 250 * kSecond, true, true}},
    {{9, 3}, {300 * kSecond, 300 * kSecond, true, true}},
};

TEST(MachineWindowUsage, SumsPerMachineWindowAcrossAChunkBoundary) {
  MachineWindowUsage usage;
  usage.Consume(TaskUsage(kFirstRows));
  usage.Consume(TaskUsage(kSecondRows));
  EXPECT_EQ(AllWindows(usage), kExpected);
  EXPECT_EQ(usage.WindowsWith(0), 3u);  // cpu: (7, 15), (7, 16), (9, 3)
  EXPECT_EQ(usage.WindowsWith(1), 2u);  // memory: (7, 16), (9, 3)
}

TEST(MachineWindowUsage, MergeAbsorbAndDeserializeAddTheSameSums) {
  MachineWindowUsage first, second;
  first.Consume(TaskUsage(kFirstRows));
  second.Consume(TaskUsage(kSecondRows));

  MachineWindowUsage merged;
  merged.Merge(first);
  merged.Merge(second);
  EXPECT_EQ(AllWindows(merged), kExpected);

  MachineWindowUsage absorbed = first;
  MachineWindowUsage second_copy = second;
  absorbed.Absorb(std::move(second_copy));
  EXPECT_EQ(AllWindows(absorbed), kExpected);

  MachineWindowUsage deserialized = first;
  WireWriter out;
  second.Serialize(out);
  const std::string bytes = out.Take();
  WireReader in(bytes);
  deserialized.Deserialize(in);
  EXPECT_TRUE(in.AtEnd());
  EXPECT_EQ(AllWindows(deserialized), kExpected);
}

// Sums are kept in 96 bits: exact past 64 (rate 2^62 over 2 us and over 6
// us, then -2^62 over 1 us from a merged state: 7 x 2^62), and a row that
// takes a sum past 96 bits is refused, not wrapped.
TEST(MachineWindowUsage, SumsPast64BitsExactlyAndRefusesPast96) {
  const int64_t big = int64_t{1} << 62;
  MachineWindowUsage usage, other;
  usage.Consume(TaskUsage({{5, 0, 2, big, big}, {5, 10, 16, big, kNull}}));
  other.Consume(TaskUsage({{5, 20, 21, -big, kNull}}));
  usage.Merge(other);
  __int128 sums[2] = {0, 0};
  usage.ForEachWindow([&](const MachineWindow& key, const WindowLoad& load) {
    EXPECT_EQ(key.machine_id, 5);
    sums[0] = load.sum[0];
    sums[1] = load.sum[1];
  });
  const __int128 expected_cpu =
      static_cast<__int128>(big) * 2 + static_cast<__int128>(big) * 6 - static_cast<__int128>(big);
  EXPECT_TRUE(sums[0] == expected_cpu);  // 7 x 2^62: beyond 64 bits
  EXPECT_TRUE(sums[1] == static_cast<__int128>(big) * 2);
  // 2^62 x 2^34 us = 2^96: one row beyond the 96 bits.
  MachineWindowUsage overflow;
  EXPECT_THROW(overflow.Consume(TaskUsage({{5, 0, int64_t{1} << 34, big, kNull}})), DataError);
}

TEST(MachineWindowUsage, SplitByMachineKeepsEachWindowInItsMachinesPart) {
  MachineWindowUsage usage;
  usage.Consume(TaskUsage(kFirstRows));
  usage.Consume(TaskUsage(kSecondRows));
  constexpr size_t kParts = 3;
  std::vector<WireWriter> parts(kParts);
  usage.SerializePartitions(parts);
  Windows reunited;
  for (size_t p = 0; p < kParts; ++p) {
    MachineWindowUsage from_wire, kept = usage;
    const std::string bytes = parts[p].Take();
    WireReader in(bytes);
    from_wire.Deserialize(in);
    kept.KeepPartition(p, kParts);
    const Windows windows = AllWindows(from_wire);
    EXPECT_EQ(windows, AllWindows(kept)) << "part " << p;
    for (const auto& [key, load] : windows) {
      EXPECT_EQ(PartitionOf(key.first, kParts), p);
      reunited.insert({key, load});
    }
  }
  EXPECT_EQ(reunited, kExpected);
}

}  // namespace
}  // namespace borgscope
