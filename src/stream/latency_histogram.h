#pragma once
// Produce -> counted latency: a fine histogram (1 ms buckets up to 60 s) from
// which both exact-enough percentiles (for the dashboard and the bench) and
// Prometheus' cumulative `le` buckets are read.

#include <cstdint>
#include <span>
#include <vector>

namespace borgscope {

class LatencyHistogram {
 public:
  static constexpr int64_t kBucketMicros = 1000;
  static constexpr size_t kBuckets = 60'000;  // the last one also holds everything longer

  LatencyHistogram() : buckets_(kBuckets, 0) {}

  void Observe(int64_t micros);
  uint64_t count() const { return count_; }
  double sum_seconds() const { return static_cast<double>(sum_micros_) / 1e6; }
  // The q-quantile (0..1) in seconds: the upper edge of its bucket; 0 when empty.
  double Quantile(double q) const;
  // Observations <= `seconds` (Prometheus' cumulative bucket).
  uint64_t CountAtMost(double seconds) const;

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  int64_t sum_micros_ = 0;
};

// The `le` bounds exported to Prometheus, in seconds.
std::span<const double> LatencyBucketBounds();

}  // namespace borgscope
