#include "analyses/exact_sum.h"

#include <cmath>
#include <utility>

namespace borgscope {

void ExactSum::Add(double value) {
  // Each partial in turn: hi + lo == value + partial exactly (two-sum); the
  // non-zero low parts stay as partials, the high part carries on.
  size_t kept = 0;
  for (size_t i = 0; i < partials_.size(); ++i) {
    double partial = partials_[i];
    if (std::fabs(value) < std::fabs(partial)) std::swap(value, partial);
    const double hi = value + partial;
    const double lo = partial - (hi - value);
    if (lo != 0) partials_[kept++] = lo;
    value = hi;
  }
  partials_.resize(kept);
  partials_.push_back(value);
}

double ExactSum::Value() const {
  // From the largest partial down, until adding one is inexact.
  size_t n = partials_.size();
  if (n == 0) return 0;
  double hi = partials_[--n], lo = 0;
  while (n > 0) {
    const double x = hi, y = partials_[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0) break;
  }
  // hi + lo rounded half to even but the partials below lo push the true sum
  // off the halfway point: round the other way.
  if (n > 0 && ((lo < 0 && partials_[n - 1] < 0) || (lo > 0 && partials_[n - 1] > 0))) {
    const double y = lo * 2, x = hi + y;
    if (x - hi == y) hi = x;
  }
  return hi;
}

void ExactSum::Get(WireReader& in) {
  std::vector<double> theirs;
  in.GetArray(theirs);
  for (double partial : theirs) Add(partial);
}

}  // namespace borgscope
