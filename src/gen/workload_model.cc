#include "gen/workload_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "gen/machines.h"

namespace borgscope::gen {
namespace {

struct ClassPriorityWeight {
  uint8_t scheduling_class;
  uint8_t priority;
  double weight;
};

// Jobs per (scheduling class, priority) in the first real task_events shard:
// those present at time 0, and those submitted later. Priorities 3-7 are rare
// in the real trace; they get a small weight so that every priority appears.
constexpr ClassPriorityWeight kInitialMix[] = {
    {0, 0, 180}, {0, 1, 219}, {0, 2, 62},  {0, 8, 23},   {0, 9, 90},  {0, 10, 6}, {1, 0, 50},
    {1, 1, 106}, {1, 2, 38},  {1, 8, 60},  {1, 9, 962},  {1, 10, 37}, {2, 0, 67}, {2, 1, 234},
    {2, 2, 29},  {2, 8, 77},  {2, 9, 488}, {2, 10, 327}, {2, 11, 4},  {3, 0, 24}, {3, 1, 250},
    {3, 2, 2},   {3, 8, 35},  {3, 9, 535}, {3, 10, 76},  {3, 11, 2},  {0, 4, 3},  {1, 3, 3},
    {1, 6, 3},   {2, 5, 3},   {2, 7, 2},   {3, 4, 2},
};
constexpr ClassPriorityWeight kArrivalMix[] = {
    {0, 0, 34},  {0, 1, 119}, {0, 2, 110}, {0, 8, 31}, {0, 9, 45}, {1, 0, 78}, {1, 1, 25},
    {1, 2, 158}, {1, 8, 76},  {1, 9, 34},  {1, 10, 2}, {2, 0, 55}, {2, 1, 58}, {2, 2, 27},
    {2, 8, 53},  {2, 9, 10},  {2, 10, 3},  {2, 11, 1}, {3, 9, 11}, {3, 10, 2}, {3, 11, 1},
    {0, 3, 2},   {0, 5, 2},   {1, 4, 2},   {1, 7, 2},  {2, 6, 2},
};

// Tasks per job: shares of 1, 2-10, 11-100, 101-1000 and more than 1000.
constexpr double kInitialTaskCountShares[] = {0.59, 0.26, 0.097, 0.041, 0.005};
constexpr double kArrivalTaskCountShares[] = {0.815, 0.054, 0.075, 0.021, 0.035};
constexpr double kTaskCountBounds[] = {1, 2, 11, 101, 1001, 2500};

// Share of jobs that are long-running services, by scheduling class.
constexpr double kInitialServiceShare[] = {0.25, 0.5, 0.8, 0.9};
constexpr double kArrivalServiceShare[] = {0.0, 0.01, 0.04, 0.3};
// Services submitted during the trace stay small: with the real cell's big
// jobs among them, the cell would fill with services within days.
constexpr uint32_t kMaxArrivingServiceTasks = 50;
constexpr double kCrashLoopingShare = 0.004;

// Median duration of a batch task attempt, by scheduling class (seconds).
constexpr double kBatchMedianSeconds[] = {900, 1800, 2700, 3600};

// Most common requests in the real task_events (a task's request is one of
// these about two times in three), weighted by rows.
struct MenuValue {
  double value;
  double weight;
};
constexpr MenuValue kCpuMenu[] = {{0.02499, 120918}, {0.0625, 75475},   {0.0125, 60213},
                                  {0.03125, 24262},  {0.006248, 17893}, {0.01562, 15383},
                                  {0.01874, 13284},  {0.06873, 11994},  {0.125, 11527},
                                  {0.0006247, 9169}, {0.03064, 8824},   {0.04065, 8238}};
constexpr MenuValue kMemoryMenu[] = {{0.03339, 71396},  {0.0159, 48286},   {0.02545, 37792},
                                     {0.01553, 17983},  {0.0318, 13366},   {0.07959, 12011},
                                     {0.003109, 10986}, {0.007767, 10768}, {0.07642, 10208},
                                     {0.02069, 9800},   {0.003883, 9103},  {0.1184, 8968}};
constexpr MenuValue kDiskMenu[] = {{0.0003862, 140948}, {0.0004044, 49460}, {3.815e-05, 29789},
                                   {1.907e-05, 17584},  {0.0001926, 16192}, {0.0002155, 14579},
                                   {0.001158, 14005},   {0.0001554, 8937},  {2.67e-05, 8870},
                                   {2.098e-05, 8257},   {0.0001154, 7909},  {7.725e-05, 7107}};
constexpr double kMenuShare = 0.65;

// Tasks submitted per machine and day (the real cell: ~70, plus
// resubmissions). Small cells cap the size of jobs, so they get more jobs.
constexpr double kTasksPerMachineDay = 70;
constexpr double kDailyAmplitude = 0.3;

template <typename Row, size_t N>
std::vector<double> Weights(const Row (&rows)[N]) {
  std::vector<double> weights;
  for (const Row& row : rows) weights.push_back(row.weight);
  return weights;
}

template <size_t N>
double FromMenuOr(Random& rng, const MenuValue (&menu)[N], double fallback) {
  if (!rng.Chance(kMenuShare)) return fallback;
  double total = 0;
  for (const MenuValue& entry : menu) total += entry.weight;
  double x = rng.Uniform() * total;
  for (size_t i = 0; i + 1 < N; ++i) {
    if (x < menu[i].weight) return menu[i].value;
    x -= menu[i].weight;
  }
  return menu[N - 1].value;
}

double Clamp(double value, double low, double high) { return std::min(std::max(value, low), high); }

int64_t Micros(double seconds) { return static_cast<int64_t>(seconds * kMicrosPerSecond); }

}  // namespace

Band BandOf(uint8_t priority) {
  if (priority <= 1) return Band::kFree;
  if (priority >= 9) return Band::kProduction;
  return Band::kBatch;
}

WorkloadModel::WorkloadModel(const TraceShape& shape) : shape_(shape) {
  const auto users =
      static_cast<uint32_t>(std::max<int64_t>(8, std::llround(0.075 * shape.machine_count)));
  for (uint32_t user = 0; user < users; ++user) {
    user_weights_.push_back(1.0 / std::pow(user + 1.0, 1.2));
  }
  // A job never has more than ten tasks per machine of the cell: a small
  // cell cannot hold the real trace's largest jobs.
  max_tasks_per_job_ = std::clamp<uint32_t>(10 * shape.machine_count, 50, 2500);
  mean_arrival_rate_ = kTasksPerMachineDay / MeanArrivalTaskCount() * shape.machine_count / kDay;
  max_arrival_rate_ = mean_arrival_rate_ * (1 + kDailyAmplitude);
}

double WorkloadModel::ArrivalRate(int64_t time) const {
  // Local time is 19:00 at 600 s; submissions peak in the afternoon.
  const double hour = 19.0 + static_cast<double>(time - kWindowStart) / (3600.0 * kMicrosPerSecond);
  return mean_arrival_rate_ *
         (1 + kDailyAmplitude * std::sin(2 * std::numbers::pi * (hour - 9) / 24));
}

// E[task count] of a submitted job under the size cap, by quadrature of the
// log-uniform buckets (a pure function of the shape: no random numbers).
double WorkloadModel::MeanArrivalTaskCount() const {
  constexpr int kSteps = 1000;
  double mean = 0;
  for (size_t bucket = 0; bucket < std::size(kArrivalTaskCountShares); ++bucket) {
    const double low = kTaskCountBounds[bucket], high = kTaskCountBounds[bucket + 1];
    double sum = 0;
    for (int step = 0; step < kSteps; ++step) {
      const double count = low * std::pow(high / low, (step + 0.5) / kSteps);
      sum += std::min(std::floor(count), static_cast<double>(max_tasks_per_job_));
    }
    mean += kArrivalTaskCountShares[bucket] * sum / kSteps;
  }
  return mean;
}

uint32_t WorkloadModel::DrawTaskCount(Random& rng, bool initial) const {
  const size_t bucket =
      initial ? rng.Pick(kInitialTaskCountShares) : rng.Pick(kArrivalTaskCountShares);
  const double count = rng.LogUniform(kTaskCountBounds[bucket], kTaskCountBounds[bucket + 1]);
  return std::min(static_cast<uint32_t>(count), max_tasks_per_job_);
}

void WorkloadModel::DrawRequests(Random& rng, JobSpec& job) const {
  // Jobs of many tasks ask for little per task, as in the real trace.
  const double largest = job.task_count > 100 ? 0.0625 : 0.25;
  job.cpu_request = Round4(
      std::min(largest, FromMenuOr(rng, kCpuMenu, Clamp(rng.LogNormal(0.03, 0.8), 1e-4, 0.25))));
  job.memory_request = Round4(std::min(
      largest, FromMenuOr(rng, kMemoryMenu, Clamp(rng.LogNormal(0.035, 1.0), 5e-5, 0.25))));
  job.disk_request = Round4(FromMenuOr(rng, kDiskMenu, rng.LogUniform(5e-6, 5e-3)));
}

JobSpec WorkloadModel::DrawJob(Random& rng, Origin origin) const {
  if (origin == Origin::kArrival) return DrawJobOnce(rng, /*initial=*/false);
  // Time 0 is filled with services and batch jobs separately, each in the
  // class and priority mix that kind has among the real time-0 jobs.
  const JobKind wanted = origin == Origin::kInitialService ? JobKind::kService : JobKind::kBatch;
  while (true) {
    JobSpec job = DrawJobOnce(rng, /*initial=*/true);
    if (job.kind == wanted) return job;
  }
}

JobSpec WorkloadModel::DrawJobOnce(Random& rng, bool initial) const {
  JobSpec job;
  static const std::vector<double> initial_weights = Weights(kInitialMix);
  static const std::vector<double> arrival_weights = Weights(kArrivalMix);
  const ClassPriorityWeight& mix =
      initial ? kInitialMix[rng.Pick(initial_weights)] : kArrivalMix[rng.Pick(arrival_weights)];
  job.scheduling_class = mix.scheduling_class;
  job.priority = mix.priority;
  const double service_share = initial ? kInitialServiceShare[job.scheduling_class]
                                       : kArrivalServiceShare[job.scheduling_class];
  if (rng.Chance(service_share)) {
    job.kind = JobKind::kService;
  } else if (!initial && rng.Chance(kCrashLoopingShare)) {
    job.kind = JobKind::kCrashLooping;
  }
  job.task_count = DrawTaskCount(rng, initial);
  if (job.kind == JobKind::kCrashLooping) job.task_count = std::min<uint32_t>(job.task_count, 20);
  if (job.kind == JobKind::kService && !initial) {
    job.task_count = std::min(job.task_count, kMaxArrivingServiceTasks);
  }
  job.user = static_cast<uint32_t>(rng.Pick(user_weights_));
  job.logical_name = static_cast<uint32_t>(rng.LogUniform(1, 41)) - 1;
  // Tasks of one job on distinct machines: about 40 % of the real tasks.
  job.different_machines = job.task_count * 2 <= shape_.machine_count && rng.Chance(0.4);
  DrawRequests(rng, job);

  switch (job.kind) {
    case JobKind::kService:
      job.median_duration_s = 3 * 86400;
      job.duration_sigma = 1.2;
      if (rng.Chance(0.005 * shape_.days())) {
        job.kill_after_s = rng.Uniform(0, shape_.days() * 86400);
      }
      if (rng.Chance(0.03)) {
        job.update_after_s = rng.Uniform(0, std::min(2.0, shape_.days()) * 86400);
      }
      break;
    case JobKind::kBatch:
      job.median_duration_s = rng.LogNormal(kBatchMedianSeconds[job.scheduling_class], 1.3);
      job.duration_sigma = 0.7;
      job.max_attempts = 10;
      if (rng.Chance(0.1)) job.kill_after_s = rng.LogNormal(900, 1.5);
      if (rng.Chance(0.005)) job.update_after_s = rng.LogNormal(120, 1.5);
      break;
    case JobKind::kCrashLooping:
      job.median_duration_s = 30;
      job.duration_sigma = 1.5;
      job.max_attempts = static_cast<uint16_t>(rng.Between(20, 400));
      break;
  }
  if (rng.Chance(0.06)) {
    const int count = static_cast<int>(rng.Between(1, 3));
    for (int i = 0; i < count; ++i) {
      Constraint constraint;
      constraint.attribute = static_cast<uint16_t>(rng.Below(kAttributeCount));
      const AttributeValue::Kind kind = AttributeKind(constraint.attribute);
      constraint.value_kind = static_cast<int8_t>(kind);
      const uint32_t range = AttributeValueRange(constraint.attribute);
      if (kind == AttributeValue::kInteger) {
        constraint.comparison = static_cast<uint8_t>(rng.Between(0, 3));
        constraint.value = 1 + static_cast<uint32_t>(rng.Below(range));
      } else {
        constraint.comparison = rng.Chance(0.8) ? 0 : 3;  // equal / not equal
        constraint.value = static_cast<uint32_t>(rng.Below(range));
      }
      job.constraints.push_back(constraint);
    }
  }
  return job;
}

AttemptPlan WorkloadModel::DrawAttempt(Random& rng, const JobSpec& job, double load,
                                       bool initial) const {
  AttemptPlan plan;
  if (job.kind != JobKind::kCrashLooping && rng.Chance(0.001)) {
    plan.outcome = Outcome::kKill;  // killed the moment it was scheduled
    return plan;
  }
  double seconds = 0;
  const double u = rng.Uniform();
  switch (job.kind) {
    case JobKind::kService:
      seconds = rng.LogNormal(job.median_duration_s, job.duration_sigma);
      plan.outcome = u < 0.55 ? Outcome::kKill : u < 0.95 ? Outcome::kFail : Outcome::kFinish;
      break;
    case JobKind::kBatch:
      seconds = Clamp(rng.LogNormal(job.median_duration_s, job.duration_sigma), 1, 4 * 86400);
      plan.outcome = u < 0.86 ? Outcome::kFinish : u < 0.94 ? Outcome::kFail : Outcome::kKill;
      break;
    case JobKind::kCrashLooping:
      seconds = rng.LogUniform(2, 300);
      plan.outcome = u < 0.7 ? Outcome::kKill : Outcome::kFail;
      break;
  }
  // A task running at time 0 started earlier: what is left of its run.
  if (initial) seconds *= rng.Uniform();
  // Evictions beyond the scheduler's own preemptions: by far the most at
  // priority 0 (as in the real trace), and more on busy machines.
  constexpr double kEvictionBase[12] = {0.08,  0.01,  0.003, 0.003, 0.003, 0.003,
                                        0.003, 0.003, 0.002, 5e-4,  5e-4,  5e-4};
  const double busy = Clamp(load / 0.8, 0, 1.5);
  if (rng.Chance(kEvictionBase[std::min<int>(job.priority, 11)] * busy * busy)) {
    plan.outcome = Outcome::kEvict;
    seconds *= rng.Uniform(0.02, 1);
  }
  plan.duration = std::max<int64_t>(1, Micros(seconds));
  return plan;
}

bool WorkloadModel::Resubmits(Random& rng, const JobSpec& job, Outcome outcome,
                              uint16_t attempts) const {
  if (job.kind == JobKind::kCrashLooping && outcome != Outcome::kFinish) {
    return attempts < job.max_attempts;
  }
  switch (outcome) {
    case Outcome::kEvict:
      return attempts < 100 && rng.Chance(0.97);
    case Outcome::kFail:
      if (job.kind == JobKind::kService) return rng.Chance(0.95);
      return attempts < job.max_attempts && rng.Chance(0.75);
    case Outcome::kKill:
      return rng.Chance(job.kind == JobKind::kService ? 0.9 : 0.12);
    case Outcome::kFinish:
      return false;
  }
  return false;
}

int64_t WorkloadModel::ResubmitDelay(Random& rng, Outcome outcome) const {
  double seconds = 0;
  switch (outcome) {
    case Outcome::kEvict:
      seconds = rng.LogNormal(0.3, 1.5);
      break;
    case Outcome::kFail:
      seconds = rng.LogNormal(1, 1.5);
      break;
    case Outcome::kKill:
    case Outcome::kFinish:
      seconds = rng.LogNormal(0.02, 2);
      break;
  }
  return std::max<int64_t>(100, Micros(std::min(seconds, 3600.0)));
}

int64_t WorkloadModel::ScheduleDelay(Random& rng) const {
  return std::max<int64_t>(1000, Micros(std::min(rng.LogNormal(2, 1.0), 600.0)));
}

int64_t WorkloadModel::PendingPatience(Random& rng) const {
  return Micros(Clamp(rng.LogNormal(1200, 1.5), 10, 2 * 86400));
}

void WorkloadModel::UpdateRequests(Random& rng, Decimal4& cpu, Decimal4& memory) const {
  if (rng.Chance(0.6)) {
    memory = Round4(Clamp(memory.ToDouble() * rng.Uniform(1.1, 1.6), 5e-5, 0.5));
  } else {
    cpu = Round4(Clamp(cpu.ToDouble() * rng.Uniform(0.5, 2), 1e-4, 0.5));
  }
}

}  // namespace borgscope::gen
