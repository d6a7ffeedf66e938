#pragma once
// Distinct entities (jobs or tasks) per scheduling class, as one hash map from
// entity to the set of classes written on its rows (a bit per class), so a row
// costs one lookup and the distinct total is the map's size. Classes outside
// 0..30 (never seen in the real trace) go to a small overflow set.
// Merge: holistic (bits OR-ed per entity).

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <bit>
#include <cstdint>
#include <map>

#include "analyses/absorb.h"
#include "engine/wire.h"
#include "trace/schema.h"
#include "trace/trace_order.h"

namespace borgscope {

inline constexpr int kNullClassBit = 31;  // the bit of an empty class

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
    AbsorbMap(classes_, std::move(other.classes_), [](uint32_t& mine, uint32_t theirs) { mine |= theirs; });
    AbsorbSet(overflow_, std::move(other.overflow_));
  }
  void Serialize(WireWriter& out) const {
    out.Put<uint64_t>(classes_.size());
    for (const auto& [entity, bits] : classes_) {
      PutEntity(out, entity);
      out.Put(bits);
    }
    out.Put<uint64_t>(overflow_.size());
    for (const auto& [entity, klass] : overflow_) {
      PutEntity(out, entity);
      out.Put(klass);
    }
  }
  void Deserialize(WireReader& in) {
    classes_.clear();
    overflow_.clear();
    for (uint64_t i = 0, n = in.GetCount(sizeof(Entity) + 4); i < n; ++i) {
      Entity entity = GetEntity(in);
      classes_[entity] = in.Get<uint32_t>();
    }
    for (uint64_t i = 0, n = in.GetCount(sizeof(Entity) + 8); i < n; ++i) {
      Entity entity = GetEntity(in);
      overflow_.insert({entity, in.Get<int64_t>()});
    }
  }

  size_t distinct() const { return classes_.size(); }
  // Distinct entities per class (kNull for the empty class).
  std::map<int64_t, uint64_t> CountsByClass() const {
    std::array<uint64_t, 32> per_bit{};
    for (const auto& [entity, bits] : classes_) {
      for (uint32_t rest = bits; rest != 0; rest &= rest - 1) ++per_bit[std::countr_zero(rest)];
    }
    std::map<int64_t, uint64_t> counts;
    for (int bit = 0; bit < 32; ++bit) {
      if (per_bit[bit] != 0) counts[bit == kNullClassBit ? kNull : bit] = per_bit[bit];
    }
    for (const auto& [entity, klass] : overflow_) ++counts[klass];
    return counts;
  }

 private:
  static void PutEntity(WireWriter& out, int64_t job) { out.Put(job); }
  static void PutEntity(WireWriter& out, const TaskKey& task) {
    out.Put(task.job_id);
    out.Put(task.task_index);
  }
  static Entity GetEntity(WireReader& in) {
    if constexpr (std::is_same_v<Entity, TaskKey>) {
      int64_t job = in.Get<int64_t>();
      return TaskKey{job, in.Get<int64_t>()};
    } else {
      return in.Get<int64_t>();
    }
  }

  absl::flat_hash_map<Entity, uint32_t> classes_;
  absl::flat_hash_set<std::pair<Entity, int64_t>> overflow_;
};

}  // namespace borgscope
