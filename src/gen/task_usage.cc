// task_usage rows: one per task run and 5-minute window, with values drawn
// from a per-task profile (how much of its request the task uses) and
// per-window noise, seeded by (seed, job, task, window) so that a row does not
// depend on how runs were cut into slices or on which thread formats it.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "gen/random.h"
#include "gen/table_writers.h"

namespace borgscope::gen {
namespace {

constexpr uint64_t kUsageTag = 0x7573616765;  // "usage"

// Roughly normal (mean 0, variance 1) from one draw: the sum of four 16-bit
// uniforms, recentred and scaled. Cheap, and tails do not matter here.
double Gaussish(SplitMix& random) {
  const uint64_t bits = random.Next();
  const double sum = static_cast<double>((bits & 0xffff) + ((bits >> 16) & 0xffff) +
                                         ((bits >> 32) & 0xffff) + (bits >> 48)) /
                     65536.0;
  return (sum - 2.0) * 1.7320508075688772;
}

double LogNormal(SplitMix& random, double median, double sigma) {
  return median * std::exp(sigma * Gaussish(random));
}

// Acklam's rational approximation of the standard normal quantile function.
double InverseNormal(double p) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01, -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  const auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  if (p < kLow) return tail(std::sqrt(-2 * std::log(p)));
  if (p > 1 - kLow) return -tail(std::sqrt(-2 * std::log(1 - p)));
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// Multiplicative log-normal noise exp(sigma·z), z one of 1024 equiprobable
// normal quantiles: a table lookup per draw instead of an exp() per value.
class LogNormalNoise {
 public:
  explicit LogNormalNoise(double sigma) {
    for (size_t i = 0; i < kSize; ++i) {
      table_[i] = std::exp(sigma * InverseNormal((static_cast<double>(i) + 0.5) / kSize));
    }
  }
  double Draw(SplitMix& random) const { return table_[random.Next() >> 54]; }

 private:
  static constexpr size_t kSize = 1024;  // = 2^10, indexed by the top 10 bits
  double table_[kSize];
};

double Request(Decimal4 request, double fallback) {
  const double value = request.ToDouble();
  return value > 0 ? value : fallback;
}

// How a task uses what it asked for: the same in all the rows of a run.
struct RunProfile {
  uint64_t task_key;  // seeds the task's profile and, with the window, each row
  double cpu;         // typical cpu_rate: request × a per-task factor (some above 1)
  double memory;      // typical canonical_memory_usage
  double local_disk;  // local_disk_space
  double io_time;
  double cpi;
  double mai;
  bool has_counters;  // some tasks have no CPI/MAI
};

RunProfile ProfileOf(uint64_t seed, const UsageRun& run) {
  RunProfile profile;
  profile.task_key = HashKeys({seed, kUsageTag, run.job_id, run.task_index});
  SplitMix random(profile.task_key);
  profile.cpu = Request(run.cpu_request, 0.01) * LogNormal(random, 0.35, 0.8);
  profile.memory = Request(run.memory_request, 0.005) * std::min(1.3, LogNormal(random, 0.6, 0.45));
  profile.local_disk = Request(run.disk_request, 1e-5) * std::min(1.0, LogNormal(random, 0.3, 0.8));
  profile.io_time = LogNormal(random, 2e-5, 1.2);
  profile.cpi = LogNormal(random, 2.2, 0.35);
  profile.mai = LogNormal(random, 0.008, 0.5);
  profile.has_counters = random.Uniform() >= 0.03;
  return profile;
}

struct UsageRowKey {
  int64_t start;
  int64_t end;
  uint64_t job_id;
  uint64_t machine_id;
  uint32_t task_index;
  uint32_t run;
};

Decimal4 MaybeEmpty(SplitMix& random, double empty_share, double value) {
  return random.Uniform() < empty_share ? Decimal4::Empty() : Round4(value);
}

}  // namespace

ShardStats WriteTaskUsage(const std::string& path, const TraceShape& shape,
                          const std::vector<UsageRun>& runs) {
  static const LogNormalNoise kCpuNoise(0.3), kMemoryNoise(0.05), kIoNoise(0.5), kCpiNoise(0.1),
      kMaiNoise(0.15), kSampleNoise(0.5);

  size_t row_count = 0;
  for (const UsageRun& run : runs) {
    row_count += static_cast<size_t>((run.end - 1 - kWindowStart) / kUsagePeriod -
                                     (run.start - kWindowStart) / kUsagePeriod + 1);
  }
  std::vector<UsageRowKey> rows;
  rows.reserve(row_count);
  std::vector<RunProfile> profiles;
  profiles.reserve(runs.size());
  for (uint32_t i = 0; i < runs.size(); ++i) {
    const UsageRun& run = runs[i];
    profiles.push_back(ProfileOf(shape.seed, run));
    int64_t window = kWindowStart + (run.start - kWindowStart) / kUsagePeriod * kUsagePeriod;
    for (; window < run.end; window += kUsagePeriod) {
      rows.push_back({std::max(run.start, window), std::min(run.end, window + kUsagePeriod),
                      run.job_id, run.machine_id, run.task_index, i});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const UsageRowKey& a, const UsageRowKey& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.job_id != b.job_id) return a.job_id < b.job_id;
    if (a.task_index != b.task_index) return a.task_index < b.task_index;
    return a.machine_id < b.machine_id;
  });

  CsvShardWriter writer(path);
  int64_t daily_window = -1;
  double daily = 1;
  // Rows come sorted by time, then job: neighbours share their times and job.
  char times[48];
  size_t times_length = 0;
  int64_t times_start = -1, times_end = -1;
  char job[24];
  size_t job_length = 0;
  uint64_t job_id = 0;
  for (const UsageRowKey& row : rows) {
    const UsageRun& run = runs[row.run];
    const RunProfile& profile = profiles[row.run];
    const int64_t window = (row.start - kWindowStart) / kUsagePeriod;
    SplitMix random(HashKeys({profile.task_key, static_cast<uint64_t>(window), run.machine_id}));
    if (window != daily_window) {
      // The cell is busier in the local afternoon (the trace starts at 19:00).
      const double hour = 19.0 + static_cast<double>(window) / 12.0;
      daily = 1.0 + 0.25 * std::sin(2 * std::numbers::pi * (hour - 9) / 24);
      daily_window = window;
    }
    const double cpu_rate = profile.cpu * daily * kCpuNoise.Draw(random);
    const double memory = profile.memory * kMemoryNoise.Draw(random);
    const double unmapped = random.Uniform() < 0.3 ? 0 : memory * 0.02 * random.Uniform();
    const double io_time = profile.io_time * kIoNoise.Draw(random);

    if (row.start != times_start || row.end != times_end) {
      char* end = AppendUnsigned(times, static_cast<uint64_t>(row.start));
      *end++ = ',';
      end = AppendUnsigned(end, static_cast<uint64_t>(row.end));
      *end++ = ',';
      times_length = static_cast<size_t>(end - times);
      times_start = row.start;
      times_end = row.end;
    }
    if (run.job_id != job_id || job_length == 0) {
      char* end = AppendUnsigned(job, run.job_id);
      *end++ = ',';
      job_length = static_cast<size_t>(end - job);
      job_id = run.job_id;
    }
    char* out = writer.BeginRow();
    std::memcpy(out, times, times_length);
    out += times_length;
    std::memcpy(out, job, job_length);
    out += job_length;
    out = AppendUnsigned(out, run.task_index);
    *out++ = ',';
    out = AppendUnsigned(out, run.machine_id);
    const Decimal4 values[15] = {
        MaybeEmpty(random, 0.001, cpu_rate),                                  // cpu_rate
        MaybeEmpty(random, 0.001, memory),                                    // canonical
        Round4(memory * (1 + 0.15 * random.Uniform())),                       // assigned
        Round4(unmapped),                                                     // unmapped cache
        Round4(unmapped + memory * 0.08 * random.Uniform()),                  // total cache
        Round4(memory * (1 + 0.1 * random.Uniform())),                        // max memory
        Round4(io_time),                                                      // disk io time
        MaybeEmpty(random, 0.002, profile.local_disk),                        // local disk
        MaybeEmpty(random, 0.01, cpu_rate * (1.3 + 2.5 * random.Uniform())),  // max cpu
        Round4(io_time * (2 + 20 * random.Uniform())),                        // max disk io
        profile.has_counters ? Round4(profile.cpi * kCpiNoise.Draw(random)) : Decimal4::Empty(),
        profile.has_counters ? Round4(profile.mai * kMaiNoise.Draw(random)) : Decimal4::Empty(),
        Round4(random.Uniform() < 0.95 ? 0 : random.Uniform()),  // sample portion
        Round4(random.Uniform() < 0.9 ? 1 : 0),                  // aggregation type
        Round4(random.Uniform() < 0.4 ? 0 : cpu_rate * kSampleNoise.Draw(random)),  // sampled cpu
    };
    for (const Decimal4& value : values) {
      *out++ = ',';
      out = AppendDecimal(out, value);
    }
    writer.EndRow(out);
  }
  return writer.Finish();
}

}  // namespace borgscope::gen
