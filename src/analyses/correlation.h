#pragma once
// Correlations computed after the merge, over values in a canonical order
// (callers sort by key first), so results are identical for any split.

#include <vector>

namespace borgscope {

// Pearson's r; NaN when fewer than two points or a variable is constant.
double Pearson(const std::vector<double>& x, const std::vector<double>& y);

// Ranks 1..n, ties getting the average of the ranks they span.
std::vector<double> AverageRanks(const std::vector<double>& values);

// Spearman's rho: Pearson's r of the average ranks.
double Spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace borgscope
