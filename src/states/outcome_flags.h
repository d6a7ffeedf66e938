#pragma once
// Which terminal events each entity (task or job) had, per group written on
// its rows (scheduling class for q4, priority for q5), plus EVICT rows per
// group. Merge: holistic (flags OR-ed per (entity, group)), counts summed;
// split by job across MPI ranks.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <map>
#include <span>
#include <tuple>

#include "engine/keyed_table.h"
#include "engine/state_parts.h"
#include "engine/wire.h"
#include "states/entity_wire.h"
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
    case EventType::kEvict:
      return kOutcomeEvict;
    case EventType::kKill:
      return kOutcomeKill;
    case EventType::kFail:
      return kOutcomeFail;
    case EventType::kLost:
      return kOutcomeLost;
    case EventType::kFinish:
      return kOutcomeFinish;
    default:
      return 0;
  }
}

// Tallies over distinct entities of one group.
struct OutcomeCounts {
  uint64_t entities = 0, evicted = 0, killed = 0, failed = 0, lost = 0, finished = 0;
  // `count` entities (one by default), each with these flags.
  void Add(uint8_t flags, uint64_t count = 1) {
    entities += count;
    evicted += (flags & kOutcomeEvict) != 0 ? count : 0;
    killed += (flags & kOutcomeKill) != 0 ? count : 0;
    failed += (flags & kOutcomeFail) != 0 ? count : 0;
    lost += (flags & kOutcomeLost) != 0 ? count : 0;
    finished += (flags & kOutcomeFinish) != 0 ? count : 0;
  }
  void Add(const OutcomeCounts& other) {
    entities += other.entities;
    evicted += other.evicted;
    killed += other.killed;
    failed += other.failed;
    lost += other.lost;
    finished += other.finished;
  }
};

// Tallies per group and EVICT rows per group, over some entities; exact sums
// over disjoint sets of entities.
struct OutcomeTally {
  std::map<int64_t, OutcomeCounts> by_group;
  std::map<int64_t, uint64_t> evict_events;

  uint64_t EvictEvents(int64_t group) const {
    auto it = evict_events.find(group);
    return it == evict_events.end() ? 0 : it->second;
  }
  uint64_t EvictEventsOverall() const {
    uint64_t total = 0;
    for (const auto& [group, count] : evict_events) total += count;
    return total;
  }
  void Serialize(WireWriter& out) const {
    out.Put<uint64_t>(by_group.size());
    for (const auto& [group, counts] : by_group) {
      out.Put(group);
      out.Put(counts);
    }
    out.Put<uint64_t>(evict_events.size());
    for (const auto& [group, count] : evict_events) {
      out.Put(group);
      out.Put(count);
    }
  }
  void Merge(const OutcomeTally& other) {
    for (const auto& [group, counts] : other.by_group) by_group[group].Add(counts);
    for (const auto& [group, count] : other.evict_events) evict_events[group] += count;
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    for (uint64_t n = in.GetCount(8 + sizeof(OutcomeCounts)); n > 0; --n) {
      int64_t group = in.Get<int64_t>();
      by_group[group].Add(in.Get<OutcomeCounts>());
    }
    for (uint64_t n = in.GetCount(16); n > 0; --n) {
      int64_t group = in.Get<int64_t>();
      evict_events[group] += in.Get<uint64_t>();
    }
  }
};

// EVICT rows per group (class, priority): a value of no key, in partition 0.
struct EvictRows : UnkeyedPart<EvictRows> {
  absl::flat_hash_map<int64_t, uint64_t> by_group;

  void Add(int64_t group, int64_t event_type) {
    if (event_type == static_cast<int64_t>(EventType::kEvict)) ++by_group[group];
  }
  void Merge(const EvictRows& other) {
    for (const auto& [group, count] : other.by_group) by_group[group] += count;
  }
  void Serialize(WireWriter& out) const {
    out.Put<uint64_t>(by_group.size());
    for (const auto& [group, count] : by_group) {
      out.Put(group);
      out.Put(count);
    }
  }
  void Deserialize(WireReader& in) {  // adds what Serialize wrote
    for (uint64_t n = in.GetCount(16); n > 0; --n) {
      int64_t group = in.Get<int64_t>();
      by_group[group] += in.Get<uint64_t>();
    }
  }
  std::map<int64_t, uint64_t> Sorted() const { return {by_group.begin(), by_group.end()}; }
};

// Entity: int64_t (job) or TaskKey.
template <typename Entity>
class OutcomeFlags : public PartsOf<OutcomeFlags<Entity>> {
 public:
  void Add(const Entity& entity, int64_t group, int64_t event_type) {
    flags_[{entity, group}] |= OutcomeBitOf(event_type);
    evict_rows_.Add(group, event_type);
  }
  // By the entity's job; the EVICT row counts (no key) in part 0.
  static auto Parts(auto& self) { return std::tie(self.flags_, self.evict_rows_); }

  // Per group (an entity counts in each group written on its rows).
  OutcomeTally Tally() const {
    OutcomeTally tally;
    for (const auto& [key, flags] : flags_) tally.by_group[key.group].Add(flags);
    tally.evict_events = evict_rows_.Sorted();
    return tally;
  }
  // Over all groups, each entity once (its flags OR-ed).
  OutcomeCounts CountsOverall() const {
    // A keyed table, not a map of slots: ~a million tasks at scale 8, met
    // while the other states still live.
    KeyedTable<Entity, uint8_t, EntityFlagsSpec> merged;
    for (const auto& [key, flags] : flags_) merged[key.entity] |= flags;
    OutcomeCounts counts;
    for (const auto& [entity, flags] : merged) counts.Add(flags);
    return counts;
  }

 private:
  struct EntityFlagsSpec {
    static int64_t IdOf(const Entity& entity) { return JobOf(entity); }
    static void Combine(uint8_t& mine, uint8_t theirs) { mine |= theirs; }
  };
  struct FlagsSpec {
    static int64_t IdOf(const EntityGroup<Entity>& key) { return JobOf(key.entity); }
    static void Combine(uint8_t& mine, uint8_t theirs) { mine |= theirs; }
  };
  KeyedTable<EntityGroup<Entity>, uint8_t, FlagsSpec> flags_;
  EvictRows evict_rows_;
};

}  // namespace borgscope
