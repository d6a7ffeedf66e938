#include "analyses/correlation.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace borgscope {

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2 || y.size() != n) return std::nan("");
  long double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= n;
  mean_y /= n;
  long double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    long double dx = x[i] - mean_x, dy = y[i] - mean_y;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return std::nan("");
  return static_cast<double>(sxy / std::sqrt(sxx * syy));
}

std::vector<double> AverageRanks(const std::vector<double>& values) {
  // (value, position) pairs sorted by value: contiguous, unlike sorting
  // positions by an indirect compare (~3x faster on 500k points). Ties may end
  // up in any order: they all get the same average rank.
  std::vector<std::pair<double, size_t>> sorted(values.size());
  for (size_t i = 0; i < values.size(); ++i) sorted[i] = {values[i], i};
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j].first == sorted[i].first) ++j;
    double average = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // ranks i+1..j
    for (size_t k = i; k < j; ++k) ranks[sorted[k].second] = average;
    i = j;
  }
  return ranks;
}

double Spearman(const std::vector<double>& x, const std::vector<double>& y) {
  return Pearson(AverageRanks(x), AverageRanks(y));
}

}  // namespace borgscope
