#pragma once
// Keyed parts of analysis states (engine/state_parts.h) for entries that are
// plain structs: written on the wire as their bytes, split by
// PartitionOf(IdOf(entry)) — a job or machine id — as the MPI exchange and
// the spill files split every keyed state.
//   KeyedSet<Entry, IdOf>         distinct entries (a KeyedTable of no value)
//   KeyedCounts<Key, IdOf>        a count per key, summed (a KeyedTable)
//   KeyedList<Entry, IdOf>        entries in no order, all kept (chunks)

#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/chunked_vector.h"
#include "engine/key_partition.h"
#include "engine/keyed_table.h"
#include "engine/wire.h"

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

template <typename Entry, auto IdOf>
requires std::has_unique_object_representations_v<Entry>
class KeyedList {
 public:
  Entry& Add() { return entries_.emplace_back(); }
  void Merge(const KeyedList& other) {
    for (const Entry& entry : other.entries_) entries_.push_back(entry);
  }
  void Absorb(KeyedList&& other) {
    if (other.entries_.size() > entries_.size()) std::swap(entries_, other.entries_);
    Merge(other);
    other.entries_.clear();
  }
  // With one part, the count-prefixed array PutArray writes.
  void SerializePartitions(std::span<WireWriter> parts) const {
    SerializeByPartition(entries_, parts, IdOf,
                         [](WireWriter& out, const Entry& entry) { out.Put(entry); });
  }
  void KeepPartition(size_t part, size_t parts) {
    ChunkedVector<Entry> kept;
    for (const Entry& entry : entries_) {
      if (PartitionOf(IdOf(entry), parts) == part) kept.push_back(entry);
    }
    entries_ = std::move(kept);
  }
  void Deserialize(WireReader& in) {
    for (uint64_t n = in.GetCount(sizeof(Entry)); n > 0; --n) entries_.push_back(in.Get<Entry>());
  }
  const ChunkedVector<Entry>& entries() const { return entries_; }

 private:
  ChunkedVector<Entry> entries_;
};

}  // namespace borgscope
