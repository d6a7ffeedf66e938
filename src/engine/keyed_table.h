#pragma once
// The engine's keyed table: a fixed-size value per key, combined when two
// tables meet. It is a keyed part of a state (engine/state_parts.h): the
// engine merges it, splits it by PartitionOf(Spec::IdOf(key)) for MPI ranks
// and spill files, and reads it back; a question writes only Spec.
//
//   struct Spec {
//     static int64_t IdOf(const Key&);                  // job or machine id: the key's partition
//     static void Combine(Value& mine, const Value& theirs);  // commutative
//     // Optional, for a wire form other than the value's bytes:
//     static void PutValue(WireWriter&, const Value&);
//     static void MergeValue(WireReader&, Value& into);  // reads one and combines it
//     static constexpr size_t kSmallestValueBytes;
//   };
//
// Layout: entries (key and value) sit once in a ChunkedVector, in the order
// they came; the hash index holds only a 4-byte entry number per slot, so a
// table takes its entries' bytes plus ~5-10 bytes per key, and growing the
// index copies numbers, not entries (a hash map of whole entries holds three
// times its entries at the moment it doubles).

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "engine/chunked_vector.h"
#include "engine/key_partition.h"
#include "engine/wire.h"

namespace borgscope {

template <typename Key, typename Value, typename Spec>
requires std::has_unique_object_representations_v<Key>
class KeyedTable {
 public:
  struct Entry {
    Key key{};
    [[no_unique_address]] Value value{};
  };

  KeyedTable() = default;
  // A moved-from table is a valid table (its index must keep pointing at
  // entries of its own), so moves swap.
  KeyedTable(KeyedTable&& other) : KeyedTable() { swap(other); }
  KeyedTable& operator=(KeyedTable&& other) {
    swap(other);
    return *this;
  }
  void swap(KeyedTable& other) {
    std::swap(entries_, other.entries_);
    index_.swap(other.index_);  // with their functors, which point at the entries
  }
  KeyedTable(const KeyedTable& other) { Merge(other); }
  KeyedTable& operator=(const KeyedTable& other) {
    if (this != &other) {
      clear();
      Merge(other);
    }
    return *this;
  }

  // The value of `key`, value-initialized when the key is new.
  Value& operator[](const Key& key) { return (*entries_)[IdOf(key)].value; }
  // The value of `key`, or null when absent.
  const Value* Find(const Key& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &(*entries_)[it->number].value;
  }
  size_t size() const { return entries_->size(); }
  bool empty() const { return entries_->empty(); }
  // Keys the index holds before it grows.
  size_t capacity() const { return index_.capacity() - index_.capacity() / 8; }
  // An empty table makes room for as many keys as `like` holds (a scan
  // thread's table for its next shard: no growth from empty again).
  void SizeLike(const KeyedTable& like) {
    if (empty()) ReserveForMore(like.size());
  }
  void clear() {
    index_.clear();
    entries_->clear();
  }
  // Entries in the order their keys came; entry i of size().
  const Entry& EntryAt(size_t i) const { return (*entries_)[i]; }
  auto begin() const { return std::as_const(*entries_).begin(); }
  auto end() const { return std::as_const(*entries_).end(); }

  void Merge(const KeyedTable& other) {
    ReserveForMore(other.size());
    const Entries& theirs = *other.entries_;
    ForEachKeyAhead(
        theirs.size(), [&](size_t i) -> const Key& { return theirs[i].key; },
        [&](size_t i, Value& mine) { Spec::Combine(mine, theirs[i].value); });
  }
  // fn(i, the value of key_of(i)) for each i in [0, n), in order; a new key
  // gets a value-initialized value. For many keys into a table beyond the
  // caches, or when many keys are in it already (a task seen in an earlier
  // shard): the index slots of the key 2 x kAhead keys ahead are fetched,
  // then the entries those slots of the key kAhead ahead point at, while
  // this one is looked up. Each key is hashed once; key_of(i) must stay
  // valid until fn(i) returns.
  template <typename KeyOf, typename Fn>
  void ForEachKeyAhead(size_t n, KeyOf key_of, Fn fn) {
    constexpr size_t kAhead = 8, kHashes = 4 * kAhead;
    std::array<size_t, kHashes> hashes;
    auto fetch_slots = [&](size_t i) {
      hashes[i % kHashes] = absl::Hash<Key>{}(key_of(i));
      FetchSlots(hashes[i % kHashes]);
    };
    auto fetch_entries = [&](size_t i) { FetchEntries(hashes[i % kHashes]); };
    for (size_t i = 0; i < std::min(2 * kAhead, n); ++i) fetch_slots(i);
    for (size_t i = 0; i < std::min(kAhead, n); ++i) fetch_entries(i);
    for (size_t i = 0; i < n; ++i) {
      if (i + 2 * kAhead < n) fetch_slots(i + 2 * kAhead);
      if (i + kAhead < n) fetch_entries(i + kAhead);
      fn(i, (*entries_)[IdOf(HashedKey{&key_of(i), hashes[i % kHashes]})].value);
    }
  }
  // Keeps the larger table's storage; combines the smaller one into it.
  void Absorb(KeyedTable&& other) {
    if (other.size() > size()) swap(other);
    Merge(other);
    other.clear();
  }
  void SerializePartitions(std::span<WireWriter> parts) const {
    SerializeByPartition(
        *entries_, parts, [](const Entry& entry) { return Spec::IdOf(entry.key); },
        [](WireWriter& out, const Entry& entry) {
          out.Put(entry.key);
          PutValue(out, entry.value);
        });
  }
  void Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }
  // Keeps the entries of key partition `part`, in a table of their size.
  void KeepPartition(size_t part, size_t parts) {
    KeyedTable kept;
    for (const Entry& entry : *this) {
      if (PartitionOf(Spec::IdOf(entry.key), parts) == part) kept[entry.key] = entry.value;
    }
    *this = std::move(kept);
  }
  // Adds what SerializePartitions wrote into one part.
  void Deserialize(WireReader& in) {
    const uint64_t n = in.GetCount(sizeof(Key) + SmallestValueBytes());
    ReserveForMore(n);
    for (uint64_t i = 0; i < n; ++i) {
      const auto key = in.Get<Key>();
      MergeValue(in, (*this)[key]);
    }
  }

 private:
  struct EntryId {
    uint32_t number;
  };
  // A key with its hash, computed once for all its lookups (a merge makes
  // three).
  struct HashedKey {
    const Key* key;
    size_t hash;
  };
  // A lookup that compares no key: each entry whose slot matches the hash
  // is fetched into the cache, and the probe goes on to its end.
  struct EntryFetch {
    size_t hash;
  };
  using Entries = ChunkedVector<Entry>;
  // Hash and equality of entry numbers by their entries' keys, and of keys
  // themselves (heterogeneous lookup: a key is found without an entry).
  struct IndexHash {
    using is_transparent = void;
    const Entries* entries;
    size_t operator()(EntryId id) const { return absl::Hash<Key>{}((*entries)[id.number].key); }
    size_t operator()(const Key& key) const { return absl::Hash<Key>{}(key); }
    size_t operator()(HashedKey hashed) const { return hashed.hash; }
    size_t operator()(EntryFetch fetch) const { return fetch.hash; }
  };
  struct IndexEq {
    using is_transparent = void;
    const Entries* entries;
    bool operator()(EntryId a, EntryId b) const { return a.number == b.number; }
    bool operator()(EntryId a, const Key& key) const { return (*entries)[a.number].key == key; }
    bool operator()(const Key& key, EntryId a) const { return (*entries)[a.number].key == key; }
    bool operator()(EntryId a, HashedKey hashed) const { return (*this)(a, *hashed.key); }
    bool operator()(HashedKey hashed, EntryId a) const { return (*this)(a, *hashed.key); }
    bool operator()(EntryId a, EntryFetch) const {
      __builtin_prefetch(&(*entries)[a.number]);
      return false;
    }
    bool operator()(EntryFetch fetch, EntryId a) const { return (*this)(a, fetch); }
  };

  // A key's lookup ahead of time, in two stages a few keys apart: the index
  // slots its hash points at, then (once those are in) the entries they
  // hold, so that the lookup itself finds both in the cache.
  void FetchSlots(size_t hash) const { index_.prefetch(EntryFetch{hash}); }
  void FetchEntries(size_t hash) const { index_.find(EntryFetch{hash}); }

  // The number of key's entry, a new one when the key is new.
  uint32_t IdOf(const Key& key) { return IdOf(HashedKey{&key, absl::Hash<Key>{}(key)}); }
  uint32_t IdOf(const HashedKey& hashed) {
    return index_
        .lazy_emplace(
            hashed,
            [&](const auto& construct) {
              if (entries_->size() == std::numeric_limits<uint32_t>::max()) {
                throw std::length_error("keyed table: more than 2^32 - 1 keys in one table");
              }
              // In its slot, which is value-initialized already: a
              // temporary entry would be zeroed and copied (a task block
              // is hundreds of bytes).
              entries_->emplace_back().key = *hashed.key;
              construct(EntryId{static_cast<uint32_t>(entries_->size() - 1)});
            })
        ->number;
  }
  // Room for `more` keys about to be merged in. A larger index is rebuilt
  // from the entries in their order: absl's own growth rehashes slot by
  // slot, and the hash of a slot's entry number is its entry's key - a cache
  // miss per key (~40 % of the task table's merge, perf annotate) once the
  // table outgrows the caches. Reserving only when the free slots fall
  // short: absl's reserve reallocates whenever size + more exceeds them,
  // even when the table's tombstones (a rank's state after KeepPartition)
  // would be reused in place by the inserts; a reallocation is fresh memory
  // the kernel zeroes.
  void ReserveForMore(size_t more) {
    // absl tables fill at most 7/8 of their capacity.
    if (index_.size() + more <= index_.capacity() - index_.capacity() / 8) return;
    const size_t keys = index_.size() + more;
    index_.clear();
    index_.reserve(keys);
    // The entries are read in order; the new index's slots, far larger than
    // the caches, are fetched kAhead entries ahead.
    constexpr uint32_t kAhead = 16;
    const auto n = static_cast<uint32_t>(entries_->size());
    auto fetch_slot = [&](uint32_t number) {
      FetchSlots(absl::Hash<Key>{}((*entries_)[number].key));
    };
    for (uint32_t number = 0; number < std::min(kAhead, n); ++number) fetch_slot(number);
    for (uint32_t number = 0; number < n; ++number) {
      if (number + kAhead < n) fetch_slot(number + kAhead);
      index_.insert(EntryId{number});
    }
  }
  static void PutValue(WireWriter& out, const Value& value) {
    if constexpr (requires { Spec::PutValue(out, value); }) {
      Spec::PutValue(out, value);
    } else if constexpr (!std::is_empty_v<Value>) {
      out.Put(value);
    }
  }
  static void MergeValue(WireReader& in, Value& into) {
    if constexpr (requires { Spec::MergeValue(in, into); }) {
      Spec::MergeValue(in, into);
    } else if constexpr (!std::is_empty_v<Value>) {
      Spec::Combine(into, in.Get<Value>());
    }
  }
  static constexpr size_t SmallestValueBytes() {
    if constexpr (requires { Spec::kSmallestValueBytes; }) {
      return Spec::kSmallestValueBytes;
    } else {
      return std::is_empty_v<Value> ? 0 : sizeof(Value);
    }
  }

  // On the heap so that the index's functors point at it across moves.
  std::unique_ptr<Entries> entries_ = std::make_unique<Entries>();
  absl::flat_hash_set<EntryId, IndexHash, IndexEq> index_{0, IndexHash{entries_.get()},
                                                          IndexEq{entries_.get()}};
};

}  // namespace borgscope
