// Kernels of the correlations at finish (q7, q8, q10), on generated points:
//
//   exact sum       ExactSum::Add, one value per item (the Pearson sums add
//                   three per point), against a plain double sum
//   pearson         PearsonSumsAcrossRanks in one process (means, then the
//                   sums of the deviations' products), on q8's kind of
//                   points: usage, and evictions 90 % at 0
//   rank            RankAcrossCluster in one process (sort by value, tie
//                   groups' positions), on values with few ties (q8's usage)
//                   and with 90 % tied at 0 (q8's evictions)
//   spearman        Spearman over two such variables (two rankings)
//
// Items per second are points.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "stats/correlation.h"
#include "stats/exact_sum.h"
#include "stats/rank_across_cluster.h"

namespace borgscope::bench {
namespace {

std::vector<double> Values(size_t n, bool mostly_zero, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(0, 2);
  std::vector<double> values(n);
  for (double& value : values) {
    value = mostly_zero ? (random() % 10 == 0 ? static_cast<double>(1 + random() % 5) : 0)
                        : uniform(random);
  }
  return values;
}

void BM_ExactSumAdd(benchmark::State& state) {
  const std::vector<double> values = Values(1 << 20, false, 1);
  for (auto _ : state) {
    ExactSum sum;
    for (double value : values) sum.Add(value);
    benchmark::DoNotOptimize(sum.Value());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values.size()));
}
BENCHMARK(BM_ExactSumAdd)->Unit(benchmark::kMillisecond);

void BM_PlainDoubleSum(benchmark::State& state) {
  const std::vector<double> values = Values(1 << 20, false, 1);
  for (auto _ : state) {
    double sum = 0;
    for (double value : values) sum += value;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values.size()));
}
BENCHMARK(BM_PlainDoubleSum)->Unit(benchmark::kMillisecond);

void BM_PearsonSums(benchmark::State& state) {
  const std::vector<double> x = Values(1 << 20, false, 3), y = Values(1 << 20, true, 4);
  struct Point {
    double x, y;
  };
  std::vector<Point> points;
  for (size_t i = 0; i < x.size(); ++i) points.push_back({x[i], y[i]});
  Cluster& one = SingleProcess();
  for (auto _ : state) {
    const PearsonSums sums = PearsonSumsAcrossRanks<Point>(
        points, [](const Point& p) { return p.x; }, [](const Point& p) { return p.y; }, one);
    benchmark::DoNotOptimize(sums.Correlation());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * points.size()));
}
BENCHMARK(BM_PearsonSums)->Unit(benchmark::kMillisecond);

// Ranks copies of `values` (as points of a value and its rank), one copy
// per iteration.
template <typename Value>
void RankCopies(benchmark::State& state, const std::vector<Value>& values) {
  struct Point {
    Value value;
    int64_t rank;
  };
  std::vector<Point> start;
  for (Value value : values) start.push_back({value, 0});
  for (auto _ : state) {
    std::vector<Point> points = start;
    RankAcrossCluster(
        points, [](const Point& p) { return p.value; },
        [](Point& p, uint64_t first, uint64_t last, uint64_t) {
          p.rank = static_cast<int64_t>(first + last);
        },
        SingleProcess());
    benchmark::DoNotOptimize(points.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * start.size()));
}

// Arg: 1 = 90 % of the values tied at 0.
void BM_RankOneProcess(benchmark::State& state) {
  RankCopies(state, Values(1 << 20, state.range(0) == 1, 2));
}
BENCHMARK(BM_RankOneProcess)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Integers below 2^24 (as q7's requests, in fixed point): the radix sort's
// top five bytes are the same in every key.
void BM_RankSmallIntegers(benchmark::State& state) {
  std::mt19937_64 random(3);
  std::vector<int64_t> values;
  for (int i = 0; i < (1 << 20); ++i) values.push_back(static_cast<int64_t>(random() % (1 << 24)));
  RankCopies(state, values);
}
BENCHMARK(BM_RankSmallIntegers)->Unit(benchmark::kMillisecond);

void BM_Spearman(benchmark::State& state) {
  const std::vector<double> x = Values(1 << 20, false, 3), y = Values(1 << 20, true, 4);
  for (auto _ : state) benchmark::DoNotOptimize(Spearman(x, y));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * x.size()));
}
BENCHMARK(BM_Spearman)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace borgscope::bench
