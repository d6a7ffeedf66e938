#pragma once
// Splitting keyed partial states by key, for MPI ranks that each own one
// partition of the keys (DESIGN.md section 3). The partition of a key must be
// the same in every process, so it uses a fixed mix of the id, never
// absl::Hash (seeded per process).

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
template <typename Entries, typename IdOf, typename Write>
void SerializeByPartition(const Entries& entries, std::span<WireWriter> parts, IdOf id_of,
                          Write write) {
  std::vector<size_t> count_at;
  std::vector<uint64_t> counts(parts.size(), 0);
  for (WireWriter& part : parts) count_at.push_back(part.Reserve<uint64_t>());
  for (const auto& entry : entries) {
    size_t p = PartitionOf(id_of(entry), parts.size());
    if (parts[p].skips_entries()) continue;
    write(parts[p], entry);
    ++counts[p];
  }
  for (size_t p = 0; p < parts.size(); ++p) parts[p].Patch(count_at[p], counts[p]);
}

// Drops the entries of `map` (an absl hash map or set) outside partition `part`.
template <typename Map, typename IdOf>
void KeepPartition(Map& map, size_t part, size_t parts, IdOf id_of) {
  erase_if(map, [&](const auto& entry) { return PartitionOf(id_of(entry), parts) != part; });
}

}  // namespace borgscope
