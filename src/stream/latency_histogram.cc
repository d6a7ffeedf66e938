#include "stream/latency_histogram.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace borgscope {

void LatencyHistogram::Observe(int64_t micros) {
  // Clocks of two processes may disagree by a little: never negative.
  micros = std::max<int64_t>(micros, 0);
  const size_t bucket = std::min<size_t>(static_cast<size_t>(micros / kBucketMicros), kBuckets - 1);
  ++buckets_[bucket];
  ++count_;
  sum_micros_ += micros;
}

double LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  const uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (size_t bucket = 0; bucket < kBuckets; ++bucket) {
    seen += buckets_[bucket];
    if (seen >= std::max<uint64_t>(rank, 1)) {
      return static_cast<double>((bucket + 1) * kBucketMicros) / 1e6;
    }
  }
  return static_cast<double>(kBuckets * kBucketMicros) / 1e6;
}

uint64_t LatencyHistogram::CountAtMost(double seconds) const {
  // Bucket b holds [b ms, b+1 ms): all of it is <= seconds when b+1 ms <= seconds.
  const double buckets = seconds * 1e6 / kBucketMicros;
  const size_t whole = std::min<size_t>(static_cast<size_t>(std::floor(buckets)), kBuckets - 1);
  uint64_t total = 0;
  for (size_t bucket = 0; bucket < whole; ++bucket) total += buckets_[bucket];
  return total;
}

std::span<const double> LatencyBucketBounds() {
  static constexpr std::array<double, 14> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2,    5,     10,   20,  30,   60};
  return kBounds;
}

}  // namespace borgscope
