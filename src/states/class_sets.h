#pragma once
// Distinct entities (jobs or tasks) per scheduling class, as one hash map from
// entity to the set of classes written on its rows (a bit per class), so a row
// costs one lookup and the distinct total is the map's size. Classes outside
// 0..30 (never seen in the real trace) go to a small overflow set.
// Merge: holistic (bits OR-ed per entity); split by job across MPI ranks.

#include <array>
#include <bit>
#include <cstdint>
#include <map>
#include <span>

#include "engine/keyed_parts.h"
#include "engine/wire.h"
#include "states/entity_wire.h"
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
  void Merge(const ClassTally& other) {
    distinct += other.distinct;
    for (const auto& [klass, count] : other.by_class) by_class[klass] += count;
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
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
      overflow_.Insert({entity, klass});
    }
  }
  void Merge(const ClassSets& other) {
    classes_.Merge(other.classes_);
    overflow_.Merge(other.overflow_);
  }
  void Absorb(ClassSets&& other) {
    classes_.Absorb(std::move(other.classes_));
    overflow_.Absorb(std::move(other.overflow_));
  }
  void Serialize(WireWriter& out) const { SerializePartitions({&out, 1}); }
  void SerializePartitions(std::span<WireWriter> parts) const {
    classes_.SerializePartitions(parts);
    overflow_.SerializePartitions(parts);
  }
  void KeepPartition(size_t part, size_t parts) {
    classes_.KeepPartition(part, parts);
    overflow_.KeepPartition(part, parts);
  }
  void Deserialize(WireReader& in) {
    classes_.Deserialize(in);
    overflow_.Deserialize(in);
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
    for (const auto& entry : overflow_) ++tally.by_class[entry.key.group];
    return tally;
  }

 private:
  struct ClassBitsSpec {
    static int64_t IdOf(const Entity& entity) { return JobOf(entity); }
    static void Combine(uint32_t& mine, uint32_t theirs) { mine |= theirs; }
  };
  static int64_t JobOfEntityClass(const EntityGroup<Entity>& key) { return JobOf(key.entity); }
  KeyedTable<Entity, uint32_t, ClassBitsSpec> classes_;
  KeyedSet<EntityGroup<Entity>, &JobOfEntityClass> overflow_;  // group: the class
};

}  // namespace borgscope
