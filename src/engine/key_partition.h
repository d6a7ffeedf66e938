#pragma once
// Splitting keyed partial states by key, for MPI ranks that each own one
// partition of the keys (DESIGN.md section 3). The partition of a key must be
// the same in every process, so it uses a fixed mix of the id, never
// absl::Hash (seeded per process).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/wire.h"

namespace borgscope {

// Partition of `id` (a job or machine id) among `parts`.
inline size_t PartitionOf(int64_t id, size_t parts) {
  // splitmix64's finalizer: consecutive ids spread evenly.
  uint64_t x = static_cast<uint64_t>(id);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return parts == 1 ? 0 : static_cast<size_t>(x % parts);
}

// Writes a count-prefixed list of `entries` into every part: the entries whose
// PartitionOf(id_of(entry)) is that part, each written by write(out, entry);
// none into a part that skips entries (its list says 0).
// With one part this is the plain count-prefixed list Serialize writes.
// Each part is sized once, from its entry count and the sizes of the first
// entries written: exactly when entries have one size, with room to spare
// otherwise (and growing on if that was short).
template <typename Entries, typename IdOf, typename Write>
void SerializeByPartition(const Entries& entries, std::span<WireWriter> parts, IdOf id_of,
                          Write write) {
  constexpr uint64_t kSampledEntries = 64;
  std::vector<size_t> count_at;
  for (WireWriter& part : parts) count_at.push_back(part.Reserve<uint64_t>());
  std::vector<uint32_t> part_of;  // by position in `entries`; unused with one part
  std::vector<uint64_t> counts(parts.size(), 0), written(parts.size(), 0);
  if (parts.size() == 1) {
    counts[0] = entries.size();
  } else {
    part_of.reserve(entries.size());
    for (const auto& entry : entries) {
      part_of.push_back(static_cast<uint32_t>(PartitionOf(id_of(entry), parts.size())));
      ++counts[part_of.back()];
    }
  }
  uint64_t to_write = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (parts[p].skips_entries()) counts[p] = 0;
    to_write += counts[p];
  }
  const uint64_t sampled = std::min(kSampledEntries, to_write);
  uint64_t sampled_bytes = 0, smallest = UINT64_MAX, largest = 0, position = 0, done = 0;
  for (const auto& entry : entries) {
    const size_t p = part_of.empty() ? 0 : part_of[position];
    ++position;
    if (counts[p] == 0) continue;  // a part that skips entries
    const size_t before = parts[p].bytes().size();
    write(parts[p], entry);
    ++written[p];
    if (++done > sampled) continue;
    const uint64_t bytes = parts[p].bytes().size() - before;
    sampled_bytes += bytes;
    smallest = std::min(smallest, bytes);
    largest = std::max(largest, bytes);
    if (done < sampled) continue;
    for (size_t q = 0; q < parts.size(); ++q) {
      const uint64_t estimate = sampled_bytes * (counts[q] - written[q]) / sampled;
      parts[q].MakeRoom(smallest == largest ? estimate : estimate + estimate / 8);
    }
  }
  for (size_t p = 0; p < parts.size(); ++p) parts[p].Patch(count_at[p], counts[p]);
}

}  // namespace borgscope
