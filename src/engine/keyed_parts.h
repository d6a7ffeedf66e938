#pragma once
// Keyed parts of analysis states (engine/state_parts.h) for entries that are
// plain structs: written on the wire as their bytes, split by
// PartitionOf(IdOf(entry)) — a job or machine id — as the MPI exchange and
// the spill files split every keyed state.
//   KeyedSet<Entry, IdOf>         distinct entries (a KeyedTable of no value)
//   KeyedCounts<Key, IdOf>        a count per key, summed (a KeyedTable)
// (A list read once in one order at the end is a DeltaRuns, delta_runs.h.)

#include <cstdint>

#include "engine/keyed_table.h"

namespace borgscope {

// The Spec of a table whose key's partition is IdOf(key).
template <auto IdOfKey>
struct PartitionedBy {
  static int64_t IdOf(const auto& key) { return IdOfKey(key); }
};

struct NoValue {};

template <auto IdOfKey>
struct SetSpec : PartitionedBy<IdOfKey> {
  static void Combine(NoValue&, const NoValue&) {}
};

template <typename Entry, auto IdOf>
class KeyedSet : public KeyedTable<Entry, NoValue, SetSpec<IdOf>> {
 public:
  void Insert(const Entry& entry) { (*this)[entry]; }
};

template <auto IdOfKey>
struct CountsSpec : PartitionedBy<IdOfKey> {
  static void Combine(uint64_t& mine, uint64_t theirs) { mine += theirs; }
};

template <typename Key, auto IdOf>
class KeyedCounts : public KeyedTable<Key, uint64_t, CountsSpec<IdOf>> {
 public:
  void Add(const Key& key, uint64_t count = 1) { (*this)[key] += count; }
  // The count of `key` (0 when absent).
  uint64_t CountOf(const Key& key) const {
    const uint64_t* count = this->Find(key);
    return count == nullptr ? 0 : *count;
  }
};

}  // namespace borgscope
