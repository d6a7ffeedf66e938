#pragma once
// The synthetic cell in motion: a discrete-event simulation of jobs and tasks
// on the generated machines, producing the rows of job_events, task_events,
// task_constraints and the task runs behind task_usage, one time slice (one
// shard index) at a time, in trace order.
//
// What it guarantees (and the tests check): a task is scheduled only on a
// machine that is up and has room for its requests (or was made room for by
// evicting lower-priority tasks); its rows never go back in time; every task
// row's job has a SUBMIT row in job_events no later than the task's first
// row; usage runs are exactly the intervals a task ran on a machine.
//
// The simulation is serial and uses one random stream, so its rows depend
// only on the seed and the shape; the slices it returns can be formatted and
// compressed in parallel.

#include <cstdint>
#include <memory>

#include "gen/machines.h"
#include "gen/trace_rows.h"
#include "gen/trace_shape.h"

namespace borgscope::gen {

class ClusterSimulator {
 public:
  ClusterSimulator(const TraceShape& shape, const MachinePopulation& machines);
  ~ClusterSimulator();
  ClusterSimulator(const ClusterSimulator&) = delete;
  ClusterSimulator& operator=(const ClusterSimulator&) = delete;

  // Simulates the next slice (0, 1, ..., shape.shard_count - 1) and returns
  // its rows. Rows timed at or after the end of the trace are dropped.
  SliceRows NextSlice();

  uint64_t jobs() const;   // jobs submitted so far (time 0 included)
  uint64_t tasks() const;  // distinct tasks so far

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace borgscope::gen
