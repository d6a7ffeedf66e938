#pragma once
// Which terminal events each entity (task or job) had, per group written on
// its rows (scheduling class for q4, priority for q5), plus EVICT rows per
// group. Merge: holistic (flags OR-ed per (entity, group)), counts summed.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <map>

#include "analyses/absorb.h"
#include "engine/wire.h"
#include "trace/schema.h"
#include "trace/trace_order.h"

namespace borgscope {

enum OutcomeBit : uint8_t {
  kOutcomeEvict = 1 << 0,
  kOutcomeKill = 1 << 1,
  kOutcomeFail = 1 << 2,
  kOutcomeLost = 1 << 3,
  kOutcomeFinish = 1 << 4,
};

inline uint8_t OutcomeBitOf(int64_t event_type) {
  switch (static_cast<EventType>(event_type)) {
    case EventType::kEvict: return kOutcomeEvict;
    case EventType::kKill: return kOutcomeKill;
    case EventType::kFail: return kOutcomeFail;
    case EventType::kLost: return kOutcomeLost;
    case EventType::kFinish: return kOutcomeFinish;
    default: return 0;
  }
}

// Tallies over distinct entities of one group.
struct OutcomeCounts {
  uint64_t entities = 0, evicted = 0, killed = 0, failed = 0, lost = 0, finished = 0;
  void Add(uint8_t flags) {
    ++entities;
    evicted += (flags & kOutcomeEvict) != 0;
    killed += (flags & kOutcomeKill) != 0;
    failed += (flags & kOutcomeFail) != 0;
    lost += (flags & kOutcomeLost) != 0;
    finished += (flags & kOutcomeFinish) != 0;
  }
};

// Entity: int64_t (job) or TaskKey.
template <typename Entity>
class OutcomeFlags {
 public:
  void Add(const Entity& entity, int64_t group, int64_t event_type) {
    flags_[{entity, group}] |= OutcomeBitOf(event_type);
    if (event_type == static_cast<int64_t>(EventType::kEvict)) ++evict_events_[group];
  }
  void Merge(const OutcomeFlags& other) {
    for (const auto& [key, flags] : other.flags_) flags_[key] |= flags;
    for (const auto& [group, count] : other.evict_events_) evict_events_[group] += count;
  }
  void Absorb(OutcomeFlags&& other) {
    AbsorbMap(flags_, std::move(other.flags_), [](uint8_t& mine, uint8_t theirs) { mine |= theirs; });
    for (const auto& [group, count] : other.evict_events_) evict_events_[group] += count;
  }
  void Serialize(WireWriter& out) const {
    out.Put<uint64_t>(flags_.size());
    for (const auto& [key, flags] : flags_) {
      PutEntity(out, key.first);
      out.Put(key.second);
      out.Put(flags);
    }
    out.Put<uint64_t>(evict_events_.size());
    for (const auto& [group, count] : evict_events_) {
      out.Put(group);
      out.Put(count);
    }
  }
  void Deserialize(WireReader& in) {
    flags_.clear();
    evict_events_.clear();
    for (uint64_t i = 0, n = in.GetCount(sizeof(Entity) + 9); i < n; ++i) {
      Entity entity = GetEntity(in);
      int64_t group = in.Get<int64_t>();
      flags_[{entity, group}] = in.Get<uint8_t>();
    }
    for (uint64_t i = 0, n = in.GetCount(16); i < n; ++i) {
      int64_t group = in.Get<int64_t>();
      evict_events_[group] = in.Get<uint64_t>();
    }
  }

  // Per group, and over all groups with each entity once (its flags OR-ed).
  std::map<int64_t, OutcomeCounts> CountsByGroup() const {
    std::map<int64_t, OutcomeCounts> counts;
    for (const auto& [key, flags] : flags_) counts[key.second].Add(flags);
    return counts;
  }
  OutcomeCounts CountsOverall() const {
    absl::flat_hash_map<Entity, uint8_t> merged;
    for (const auto& [key, flags] : flags_) merged[key.first] |= flags;
    OutcomeCounts counts;
    for (const auto& [entity, flags] : merged) counts.Add(flags);
    return counts;
  }
  uint64_t EvictEvents(int64_t group) const {
    auto it = evict_events_.find(group);
    return it == evict_events_.end() ? 0 : it->second;
  }
  uint64_t EvictEventsOverall() const {
    uint64_t total = 0;
    for (const auto& [group, count] : evict_events_) total += count;
    return total;
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

  absl::flat_hash_map<std::pair<Entity, int64_t>, uint8_t> flags_;
  absl::flat_hash_map<int64_t, uint64_t> evict_events_;
};

}  // namespace borgscope
