#pragma once
// Keyed parts of analysis states (engine/state_parts.h) for entries that are
// plain structs: written on the wire as their bytes, split by
// PartitionOf(IdOf(entry)) — a job or machine id — as the MPI exchange and
// the spill files split every keyed state.
//   KeyedSet<Entry, IdOf>         distinct entries
//   KeyedCounts<Key, IdOf>        a count per key, summed
//   KeyedList<Entry, IdOf>        entries in no order, all kept (a flat array)

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/absorb.h"
#include "engine/key_partition.h"
#include "engine/wire.h"

namespace borgscope {

template <typename Entry, auto IdOf>
requires std::has_unique_object_representations_v<Entry>
class KeyedSet {
 public:
  void Insert(const Entry& entry) { entries_.insert(entry); }
  void Merge(const KeyedSet& other) {
    entries_.insert(other.entries_.begin(), other.entries_.end());
  }
  void Absorb(KeyedSet&& other) { AbsorbSet(entries_, std::move(other.entries_)); }
  void SerializePartitions(std::span<WireWriter> parts) const {
    SerializeByPartition(entries_, parts, IdOf,
                         [](WireWriter& out, const Entry& entry) { out.Put(entry); });
  }
  void KeepPartition(size_t part, size_t parts) {
    borgscope::KeepPartition(entries_, part, parts, IdOf);
  }
  void Deserialize(WireReader& in) {
    const uint64_t n = in.GetCount(sizeof(Entry));
    ReserveForMore(entries_, n);
    for (uint64_t i = 0; i < n; ++i) entries_.insert(in.Get<Entry>());
  }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }

 private:
  absl::flat_hash_set<Entry> entries_;
};

template <typename Key, auto IdOf>
requires std::has_unique_object_representations_v<Key>
class KeyedCounts {
 public:
  void Add(const Key& key, uint64_t count = 1) { counts_[key] += count; }
  void Merge(const KeyedCounts& other) {
    for (const auto& [key, count] : other.counts_) counts_[key] += count;
  }
  void Absorb(KeyedCounts&& other) {
    AbsorbMap(counts_, std::move(other.counts_),
              [](uint64_t& mine, uint64_t theirs) { mine += theirs; });
  }
  void SerializePartitions(std::span<WireWriter> parts) const {
    SerializeByPartition(
        counts_, parts, [](const auto& entry) { return IdOf(entry.first); },
        [](WireWriter& out, const auto& entry) {
          out.Put(entry.first);
          out.Put(entry.second);
        });
  }
  void KeepPartition(size_t part, size_t parts) {
    borgscope::KeepPartition(counts_, part, parts,
                             [](const auto& entry) { return IdOf(entry.first); });
  }
  void Deserialize(WireReader& in) {
    const uint64_t n = in.GetCount(sizeof(Key) + sizeof(uint64_t));
    ReserveForMore(counts_, n);
    for (uint64_t i = 0; i < n; ++i) {
      const auto key = in.Get<Key>();
      counts_[key] += in.Get<uint64_t>();
    }
  }
  // The count of `key` (0 when absent).
  uint64_t CountOf(const Key& key) const {
    auto it = counts_.find(key);
    return it == counts_.end() ? 0 : it->second;
  }
  auto begin() const { return counts_.begin(); }
  auto end() const { return counts_.end(); }

 private:
  absl::flat_hash_map<Key, uint64_t> counts_;
};

template <typename Entry, auto IdOf>
requires std::has_unique_object_representations_v<Entry>
class KeyedList {
 public:
  Entry& Add() { return entries_.emplace_back(); }
  void Merge(const KeyedList& other) {
    entries_.insert(entries_.end(), other.entries_.begin(), other.entries_.end());
  }
  void Absorb(KeyedList&& other) {
    if (other.entries_.size() > entries_.size()) std::swap(entries_, other.entries_);
    entries_.insert(entries_.end(), other.entries_.begin(), other.entries_.end());
    other.entries_ = {};
  }
  // With one part, the count-prefixed array PutArray writes.
  void SerializePartitions(std::span<WireWriter> parts) const {
    SerializeByPartition(entries_, parts, IdOf,
                         [](WireWriter& out, const Entry& entry) { out.Put(entry); });
  }
  void KeepPartition(size_t part, size_t parts) {
    borgscope::KeepPartition(entries_, part, parts, IdOf);
  }
  void Deserialize(WireReader& in) { in.GetArray(entries_); }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace borgscope
