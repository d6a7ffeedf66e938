// SerializeByPartition (engine/key_partition.h): every entry lands in the part
// of its key, in order, with the right counts; parts that skip entries get
// none; parts are sized once for entries of one size and still take entries
// larger than the first ones sampled.

#include "engine/key_partition.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace borgscope {
namespace {

using Entry = std::pair<int64_t, std::string>;  // id, payload

// Writes `entries` into `parts` writers (the one at `skipping`, if any, skips
// entries) and reads every part back.
std::vector<std::vector<Entry>> SplitAndReadBack(const std::vector<Entry>& entries, size_t parts,
                                                 int skipping, std::vector<size_t>* sizes) {
  std::vector<WireWriter> writers(parts);
  if (skipping >= 0) writers[skipping].SkipEntries();
  SerializeByPartition(
      entries, writers, [](const Entry& entry) { return entry.first; },
      [](WireWriter& out, const Entry& entry) {
        out.Put(entry.first);
        out.PutBytes(entry.second);
      });
  std::vector<std::vector<Entry>> read(parts);
  for (size_t p = 0; p < parts; ++p) {
    const std::string bytes = writers[p].Take();
    if (sizes != nullptr) sizes->push_back(bytes.size());
    WireReader in(bytes);
    for (uint64_t n = in.GetCount(16); n > 0; --n) {
      const int64_t id = in.Get<int64_t>();
      read[p].emplace_back(id, std::string(in.GetBytes()));
    }
    EXPECT_TRUE(in.AtEnd());
  }
  return read;
}

TEST(SerializeByPartition, EveryEntryInItsKeysPartInOrder) {
  std::vector<Entry> entries;
  for (int64_t id = 0; id < 1000; ++id) entries.emplace_back(id * 13, "abcd");
  std::vector<size_t> sizes;
  const auto read = SplitAndReadBack(entries, 3, /*skipping=*/-1, &sizes);
  std::vector<std::vector<Entry>> expected(3);
  for (const Entry& entry : entries) expected[PartitionOf(entry.first, 3)].push_back(entry);
  EXPECT_EQ(read, expected);
  for (size_t p = 0; p < 3; ++p) {
    EXPECT_GT(expected[p].size(), 250u);  // the mix spreads the ids
    EXPECT_EQ(sizes[p], 8 + expected[p].size() * (8 + 8 + 4));
  }
}

TEST(SerializeByPartition, OnePartIsThePlainListAndASkippingPartGetsNone) {
  std::vector<Entry> entries;
  for (int64_t id = 0; id < 200; ++id) entries.emplace_back(id, std::string(id % 5, 'x'));
  EXPECT_EQ(SplitAndReadBack(entries, 1, -1, nullptr)[0], entries);
  const auto read = SplitAndReadBack(entries, 2, /*skipping=*/1, nullptr);
  EXPECT_TRUE(read[1].empty());
  std::vector<Entry> first_part;
  for (const Entry& entry : entries) {
    if (PartitionOf(entry.first, 2) == 0) first_part.push_back(entry);
  }
  EXPECT_EQ(read[0], first_part);
  EXPECT_TRUE(SplitAndReadBack({}, 3, -1, nullptr)[2].empty());
}

TEST(SerializeByPartition, EntriesLargerThanTheSampledOnesStillFit) {
  // The first 64 entries (the sample that sizes the parts) are short, the
  // rest 100 times longer: the parts grow past their first size.
  std::vector<Entry> entries;
  for (int64_t id = 0; id < 3000; ++id) {
    entries.emplace_back(id, std::string(id < 64 ? 10 : 1000, static_cast<char>('a' + id % 26)));
  }
  const auto read = SplitAndReadBack(entries, 4, /*skipping=*/2, nullptr);
  for (size_t p = 0; p < 4; ++p) {
    std::vector<Entry> expected;
    for (const Entry& entry : entries) {
      if (p != 2 && PartitionOf(entry.first, 4) == p) expected.push_back(entry);
    }
    EXPECT_EQ(read[p], expected) << "part " << p;
  }
}

}  // namespace
}  // namespace borgscope
