#include "stats/correlation.h"

#include <cmath>
#include <string>
#include <utility>

namespace borgscope {

void PearsonSums::Serialize(WireWriter& out) const {
  out.Put(n_);
  xy_.Serialize(out);
  xx_.Serialize(out);
  yy_.Serialize(out);
}

void PearsonSums::Deserialize(WireReader& in) {
  n_ += in.Get<uint64_t>();
  xy_.Deserialize(in);
  xx_.Deserialize(in);
  yy_.Deserialize(in);
}

double PearsonSums::Correlation() const {
  const long double xy = xy_.Value(), xx = xx_.Value(), yy = yy_.Value();
  if (n_ < 2 || xx == 0 || yy == 0) return std::nan("");
  return static_cast<double>(xy / std::sqrt(xx * yy));
}

void RankSums::Serialize(WireWriter& out) const {
  out.Put(n_);
  for (__int128 sum : {a_, b_, ab_, aa_, bb_}) out.Put(sum);
}

void RankSums::Deserialize(WireReader& in) {
  n_ += in.Get<uint64_t>();
  for (__int128* sum : {&a_, &b_, &ab_, &aa_, &bb_}) *sum += in.Get<__int128>();
}

double RankSums::Correlation() const {
  // n^2 cov, n^2 var: the same ratio as Pearson's, in integers.
  const __int128 n = n_;
  const __int128 covariance = n * ab_ - a_ * b_;
  const __int128 variance_a = n * aa_ - a_ * a_, variance_b = n * bb_ - b_ * b_;
  if (n_ < 2 || variance_a == 0 || variance_b == 0) return std::nan("");
  return static_cast<double>(
      static_cast<long double>(covariance) /
      std::sqrt(static_cast<long double>(variance_a) * static_cast<long double>(variance_b)));
}

std::vector<double> MeansAcrossRanks(std::span<const ExactSum> sums, uint64_t count,
                                     Cluster& cluster) {
  WireWriter mine;
  mine.Put(count);
  for (const ExactSum& sum : sums) sum.Serialize(mine);
  uint64_t total = 0;
  std::vector<ExactSum> all(sums.size());
  for (const std::string& bytes : cluster.AllGather(mine.Take())) {
    WireReader in(bytes);
    total += in.Get<uint64_t>();
    for (ExactSum& sum : all) sum.Deserialize(in);
  }
  std::vector<double> means;
  for (const ExactSum& sum : all) means.push_back(total ? sum.Value() / total : 0);
  return means;
}

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) return std::nan("");
  std::vector<std::pair<double, double>> points;
  for (size_t i = 0; i < x.size(); ++i) points.emplace_back(x[i], y[i]);
  return PearsonSumsAcrossRanks<std::pair<double, double>>(
             points, [](const auto& p) { return p.first; }, [](const auto& p) { return p.second; },
             SingleProcess())
      .Correlation();
}

double Spearman(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) return std::nan("");
  struct Point {
    double x, y;
    int64_t x_rank;  // twice the average rank
  };
  std::vector<Point> points;
  for (size_t i = 0; i < x.size(); ++i) points.push_back({x[i], y[i], 0});
  RankAcrossCluster(
      points, [](const Point& p) { return p.x; },
      [](Point& p, uint64_t first, uint64_t last, uint64_t) { p.x_rank = first + last; },
      SingleProcess());
  return RankSumsAgainst(
             points, &Point::x_rank, [](const Point& p) { return p.y; }, SingleProcess())
      .Correlation();
}

}  // namespace borgscope
