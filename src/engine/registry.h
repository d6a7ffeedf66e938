#pragma once
// Analyses register themselves: adding one is adding one file in src/analyses/
// that ends with BORGSCOPE_REGISTER_ANALYSIS(TheClass).

#include <memory>
#include <string>
#include <vector>

#include "engine/analysis.h"

namespace borgscope {

using AnalysisFactory = std::unique_ptr<Analysis> (*)();

struct AnalysisRegistration {
  explicit AnalysisRegistration(AnalysisFactory factory);
};

// Every registered analysis, ordered by id (q1, q2, ..., q10, q11).
std::vector<std::unique_ptr<Analysis>> CreateAllAnalyses();

// The analyses named in a list like "q1,q3" (all when empty), with the inputs
// they read (Analysis::InputIds), ordered by id. Throws UsageError for an
// unknown id; inputs cannot be named.
std::vector<std::unique_ptr<Analysis>> CreateAnalyses(const std::vector<std::string>& ids);

}  // namespace borgscope

#define BORGSCOPE_REGISTER_ANALYSIS(Type)                             \
  static const ::borgscope::AnalysisRegistration kRegistration##Type( \
      []() -> std::unique_ptr<::borgscope::Analysis> { return std::make_unique<Type>(); })
