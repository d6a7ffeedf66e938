#pragma once
// Distinct entities (jobs or tasks) per scheduling class, as one hash map from
// entity to the set of classes written on its rows (a bit per class), so a row
// costs one lookup and the distinct total is the map's size. Classes outside
// 0..30 (never seen in the real trace) go to a small overflow set.
// Merge: holistic (bits OR-ed per entity); split by job across MPI ranks.

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <bit>
#include <cstdint>
#include <map>
#include <span>

#include "analyses/entity_wire.h"
#include "engine/absorb.h"
#include "engine/key_partition.h"
#include "engine/wire.h"
#include "trace/schema.h"
#include "trace/trace_order.h"

namespace borgscope {

inline constexpr int kNullClassBit = 31;  // the bit of an empty class

// Distinct entities in all and per class (kNull: the empty class), over some
// entities; exact sums over disjoint sets of entities.
struct ClassTally {
  uint64_t distinct = 0;
  std::map<int64_t, uint64_t> by_class;

  void Serialize(WireWriter& out) const {
    out.Put(distinct);
    out.Put<uint64_t>(by_class.size());
    for (const auto& [klass, count] : by_class) {
      out.Put(klass);
      out.Put(count);
    }
  }
  void AddSerialized(WireReader& in) {
    distinct += in.Get<uint64_t>();
    for (uint64_t n = in.GetCount(16); n > 0; --n) {
      int64_t klass = in.Get<int64_t>();
      by_class[klass] += in.Get<uint64_t>();
    }
  }
};

template <typename Entity>
class ClassSets {
 public:
  void Add(const Entity& entity, int64_t klass) {
    uint32_t& bits = classes_[entity];
    if (klass == kNull) {
      bits |= 1u << kNullClassBit;
    } else if (klass >= 0 && klass < kNullClassBit) {
      bits |= 1u << klass;
    } else {
      overflow_.insert({entity, klass});
    }
  }
  void Merge(const ClassSets& other) {
    for (const auto& [entity, bits] : other.classes_) classes_[entity] |= bits;
    overflow_.insert(other.overflow_.begin(), other.overflow_.end());
  }
  void Absorb(ClassSets&& other) {
    AbsorbMap(classes_, std::move(other.classes_),
              [](uint32_t& mine, uint32_t theirs) { mine |= theirs; });
    AbsorbSet(overflow_, std::move(other.overflow_));
  }
  void Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }
  void SerializePartitions(std::span<WireWriter> parts) const {
    SerializeByPartition(
        classes_, parts, [](const auto& entry) { return JobOf(entry.first); },
        [](WireWriter& out, const auto& entry) {
          PutEntity(out, entry.first);
          out.Put(entry.second);
        });
    SerializeByPartition(
        overflow_, parts, [](const auto& entry) { return JobOf(entry.first); },
        [](WireWriter& out, const auto& entry) {
          PutEntity(out, entry.first);
          out.Put(entry.second);
        });
  }
  void KeepPartition(size_t part, size_t parts) {
    borgscope::KeepPartition(classes_, part, parts,
                             [](const auto& entry) { return JobOf(entry.first); });
    borgscope::KeepPartition(overflow_, part, parts,
                             [](const auto& entry) { return JobOf(entry.first); });
  }
  void Deserialize(WireReader& in) {
    const uint64_t n = in.GetCount(sizeof(Entity) + 4);
    ReserveForMore(classes_, n);
    for (uint64_t i = 0; i < n; ++i) {
      Entity entity = GetEntity<Entity>(in);
      classes_[entity] |= in.Get<uint32_t>();
    }
    for (uint64_t i = 0, overflow = in.GetCount(sizeof(Entity) + 8); i < overflow; ++i) {
      Entity entity = GetEntity<Entity>(in);
      overflow_.insert({entity, in.Get<int64_t>()});
    }
  }

  ClassTally Tally() const {
    std::array<uint64_t, 32> per_bit{};
    for (const auto& [entity, bits] : classes_) {
      for (uint32_t rest = bits; rest != 0; rest &= rest - 1) ++per_bit[std::countr_zero(rest)];
    }
    ClassTally tally;
    tally.distinct = classes_.size();
    for (int bit = 0; bit < 32; ++bit) {
      if (per_bit[bit] != 0) tally.by_class[bit == kNullClassBit ? kNull : bit] = per_bit[bit];
    }
    for (const auto& [entity, klass] : overflow_) ++tally.by_class[klass];
    return tally;
  }

 private:
  absl::flat_hash_map<Entity, uint32_t> classes_;
  absl::flat_hash_set<std::pair<Entity, int64_t>> overflow_;
};

}  // namespace borgscope
