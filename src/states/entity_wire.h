#pragma once
// Jobs (int64_t job_id) and tasks (TaskKey) as keys of partial states: their
// wire form, and the job id that decides their key partition (a job's tasks
// stay together).

#include <cstdint>
#include <type_traits>
#include <utility>

#include "engine/wire.h"
#include "trace/trace_order.h"

namespace borgscope {

inline void PutEntity(WireWriter& out, int64_t job) { out.Put(job); }
inline void PutEntity(WireWriter& out, const TaskKey& task) {
  out.Put(task.job_id);
  out.Put(task.task_index);
}

template <typename Entity>
Entity GetEntity(WireReader& in) {
  if constexpr (std::is_same_v<Entity, TaskKey>) {
    int64_t job = in.Get<int64_t>();
    return TaskKey{job, in.Get<int64_t>()};
  } else {
    return in.Get<int64_t>();
  }
}

// An entity and a group written on its rows (a class, a priority): a key.
template <typename Entity>
struct EntityGroup {
  Entity entity{};
  int64_t group = 0;
  friend bool operator==(const EntityGroup&, const EntityGroup&) = default;
  template <typename H>
  friend H AbslHashValue(H state, const EntityGroup& key) {
    return H::combine(std::move(state), key.entity, key.group);
  }
};

inline int64_t JobOf(int64_t job) { return job; }
inline int64_t JobOf(const TaskKey& task) { return task.job_id; }

}  // namespace borgscope
