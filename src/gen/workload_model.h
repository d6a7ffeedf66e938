#pragma once
// What the synthetic cell runs: the distributions of jobs (scheduling class
// and priority mix, task counts, requests, durations, users) and of task
// attempts, measured on the real clusterdata-2011-2 shards. The cluster
// simulator draws from here and decides the rest (placement, evictions).

#include <cstdint>
#include <vector>

#include "gen/csv_text.h"
#include "gen/random.h"
#include "gen/trace_shape.h"

namespace borgscope::gen {

// Priority bands: free (0-1) tasks run on what is left, production (9-11)
// tasks may preempt batch and free ones, batch (2-8) ones may preempt free.
enum class Band : uint8_t { kFree = 0, kBatch = 1, kProduction = 2 };
Band BandOf(uint8_t priority);

enum class JobKind : uint8_t {
  kBatch,         // tasks run minutes to hours and end
  kService,       // tasks run for days, restarted now and then
  kCrashLooping,  // tasks die within minutes and are resubmitted, many times
};

struct Constraint {
  uint8_t comparison = 0;
  uint16_t attribute = 0;
  int8_t value_kind = 0;
  uint32_t value = 0;
};

struct JobSpec {
  JobKind kind = JobKind::kBatch;
  uint8_t scheduling_class = 0;
  uint8_t priority = 0;
  uint32_t task_count = 1;
  uint32_t user = 0;
  uint32_t logical_name = 0;
  bool different_machines = false;
  Decimal4 cpu_request;
  Decimal4 memory_request;
  Decimal4 disk_request;
  double median_duration_s = 600;  // of one attempt
  double duration_sigma = 1.5;
  uint16_t max_attempts = 10;
  double kill_after_s = -1;    // the user kills the job this long after submission
  double update_after_s = -1;  // requests of the job's tasks change then
  std::vector<Constraint> constraints;
};

enum class Outcome : uint8_t { kFinish, kFail, kKill, kEvict };

struct AttemptPlan {
  int64_t duration = 0;  // µs from SCHEDULE to the end event
  Outcome outcome = Outcome::kFinish;
};

class WorkloadModel {
 public:
  explicit WorkloadModel(const TraceShape& shape);

  // A job present at time 0 (a service or a batch job), or one submitted
  // during the trace.
  enum class Origin : uint8_t { kInitialService, kInitialBatch, kArrival };
  JobSpec DrawJob(Random& rng, Origin origin) const;
  // One run of a task. `load` is the machine's CPU requests over capacity
  // after placing it: evictions come to busy machines and low priorities.
  AttemptPlan DrawAttempt(Random& rng, const JobSpec& job, double load, bool initial) const;
  // Whether a task whose run ended so is submitted again.
  bool Resubmits(Random& rng, const JobSpec& job, Outcome outcome, uint16_t attempts) const;
  // Delay before the new SUBMIT row after a run ends, and from SUBMIT to the
  // scheduler's first placement try.
  int64_t ResubmitDelay(Random& rng, Outcome outcome) const;
  int64_t ScheduleDelay(Random& rng) const;
  // How long a user lets a task wait for a machine before killing it.
  int64_t PendingPatience(Random& rng) const;
  // Requests after an UPDATE_PENDING / UPDATE_RUNNING.
  void UpdateRequests(Random& rng, Decimal4& cpu, Decimal4& memory) const;

  // Jobs submitted per µs at `time` (a daily cycle around the mean), and the
  // largest such rate (for thinning).
  double ArrivalRate(int64_t time) const;
  double MaxArrivalRate() const { return max_arrival_rate_; }
  uint32_t user_count() const { return static_cast<uint32_t>(user_weights_.size()); }
  uint32_t max_tasks_per_job() const { return max_tasks_per_job_; }

 private:
  JobSpec DrawJobOnce(Random& rng, bool initial) const;
  uint32_t DrawTaskCount(Random& rng, bool initial) const;
  double MeanArrivalTaskCount() const;
  void DrawRequests(Random& rng, JobSpec& job) const;

  const TraceShape& shape_;
  std::vector<double> user_weights_;  // Zipf-like: a few users submit most jobs
  uint32_t max_tasks_per_job_ = 0;
  double mean_arrival_rate_ = 0;
  double max_arrival_rate_ = 0;
};

}  // namespace borgscope::gen
