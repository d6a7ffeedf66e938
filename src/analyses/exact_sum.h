#pragma once
// The exact sum of doubles, rounded once at the end (Shewchuk's partials, as
// Python's math.fsum): the result is the correctly rounded value of the true
// sum, so it does not depend on the order of the additions nor on how the
// values were split across threads or MPI ranks before the partial sums were
// merged. Finite values only.

#include <vector>

#include "engine/wire.h"

namespace borgscope {

class ExactSum {
 public:
  void Add(double value);
  void Merge(const ExactSum& other) {
    for (double partial : other.partials_) Add(partial);
  }
  // The true sum, correctly rounded (half to even).
  double Value() const;

  void Put(WireWriter& out) const { out.PutArray<double>(partials_); }
  void Get(WireReader& in);  // adds what Put wrote

 private:
  // Non-overlapping, by increasing magnitude; their exact sum is the sum.
  std::vector<double> partials_;
};

}  // namespace borgscope
