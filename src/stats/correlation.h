#pragma once
// Pearson's r and Spearman's rho from sums that merge in any order, so that
// points split across threads or MPI ranks give the same correlation to the
// bit. Pearson: exact sums of products of deviations from the means (which
// come from exact sums too). Spearman: Pearson's r of the average ranks, from
// sums of twice the average ranks - integers, summed exactly.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/cluster.h"
#include "engine/wire.h"
#include "stats/exact_sum.h"
#include "stats/rank_across_cluster.h"

namespace borgscope {

class PearsonSums {
 public:
  // A point's deviations from the means of x and y.
  void Add(double dx, double dy) {
    ++n_;
    xy_.Add(dx * dy);
    xx_.Add(dx * dx);
    yy_.Add(dy * dy);
  }
  // Add(deviations(point)...) for each point, with ExactSumBins: for
  // millions of points.
  template <typename T, typename Deviations>
  void AddAll(std::span<const T> points, Deviations deviations) {
    auto bins = std::make_unique<std::array<ExactSumBins, 3>>();  // 120 KiB
    auto& [xy, xx, yy] = *bins;
    for (const T& point : points) {
      const auto [dx, dy] = deviations(point);
      xy.Add(dx * dy);
      xx.Add(dx * dx);
      yy.Add(dy * dy);
    }
    n_ += points.size();
    xy_.Merge(xy.Sum());
    xx_.Merge(xx.Sum());
    yy_.Merge(yy.Sum());
  }
  void Merge(const PearsonSums& other) {
    n_ += other.n_;
    xy_.Merge(other.xy_);
    xx_.Merge(other.xx_);
    yy_.Merge(other.yy_);
  }
  void Serialize(WireWriter& out) const;
  void Deserialize(WireReader& in);  // adds what Serialize wrote
  // NaN with fewer than two points or a constant variable.
  double Correlation() const;

 private:
  uint64_t n_ = 0;
  ExactSum xy_, xx_, yy_;
};

class RankSums {
 public:
  // A point's twice average ranks (first + last position of its tie group).
  void Add(int64_t a, int64_t b) {
    ++n_;
    a_ += a;
    b_ += b;
    ab_ += static_cast<__int128>(a) * b;
    aa_ += static_cast<__int128>(a) * a;
    bb_ += static_cast<__int128>(b) * b;
  }
  void Merge(const RankSums& other) {
    n_ += other.n_;
    a_ += other.a_;
    b_ += other.b_;
    ab_ += other.ab_;
    aa_ += other.aa_;
    bb_ += other.bb_;
  }
  void Serialize(WireWriter& out) const;
  void Deserialize(WireReader& in);  // adds what Serialize wrote
  // Spearman's rho; NaN with fewer than two points or all values tied.
  // Exact up to 2^31 points (n * sum of a^2 fits 127 bits).
  double Correlation() const;

 private:
  uint64_t n_ = 0;
  __int128 a_ = 0, b_ = 0, ab_ = 0, aa_ = 0, bb_ = 0;
};

// Collective: each variable's mean over every rank's points, from this rank's
// exact sums of them and its number of points (0 when there are none).
std::vector<double> MeansAcrossRanks(std::span<const ExactSum> sums, uint64_t count,
                                     Cluster& cluster);

// Adds x(point) and y(point) of every point to sums[0] and sums[1], with
// ExactSumBins: for millions of points.
template <typename T, typename X, typename Y>
void AddBoth(std::span<const T> points, X x, Y y, std::array<ExactSum, 2>& sums) {
  auto bins = std::make_unique<std::array<ExactSumBins, 2>>();
  for (const T& point : points) {
    (*bins)[0].Add(x(point));
    (*bins)[1].Add(y(point));
  }
  sums[0].Merge((*bins)[0].Sum());
  sums[1].Merge((*bins)[1].Sum());
}

// Collective: Pearson's sums of x(point) and y(point) over every rank's
// points - the means first, then each point's deviations from them.
template <typename T, typename X, typename Y>
PearsonSums PearsonSumsAcrossRanks(std::span<const T> points, X x, Y y, Cluster& cluster) {
  std::array<ExactSum, 2> sums;
  AddBoth(points, x, y, sums);
  const std::vector<double> means = MeansAcrossRanks(sums, points.size(), cluster);
  PearsonSums pearson;
  pearson.AddAll(
      points, [&](const T& point) { return std::pair(x(point) - means[0], y(point) - means[1]); });
  return pearson;
}

// Collective: Spearman's sums of each point's x rank (twice its average rank,
// set by an earlier RankAcrossCluster into point.*x_rank, an integer of any
// width that holds it) against its rank by y(point). The points move between
// ranks on the way (RankAcrossCluster).
template <typename T, typename Rank, typename Y>
requires std::is_integral_v<Rank> RankSums RankSumsAgainst(std::vector<T>& points, Rank T::*x_rank,
                                                           Y y, Cluster& cluster) {
  RankSums sums;
  RankAcrossCluster(
      points, y,
      [&](T& point, uint64_t first, uint64_t last, uint64_t) {
        sums.Add(static_cast<int64_t>(point.*x_rank), static_cast<int64_t>(first + last));
      },
      cluster);
  return sums;
}

// The same correlations over one process's points.
double Pearson(const std::vector<double>& x, const std::vector<double>& y);
double Spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace borgscope
