#include "engine/registry.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

#include "errors.h"

namespace borgscope {
namespace {

std::vector<AnalysisFactory>& Factories() {
  static std::vector<AnalysisFactory> factories;
  return factories;
}

// "q10" sorts after "q9".
std::pair<size_t, std::string_view> IdOrder(std::string_view id) {
  size_t number = 0;
  auto digits = id.find_first_of("0123456789");
  if (digits != std::string_view::npos) {
    std::from_chars(id.data() + digits, id.data() + id.size(), number);
  }
  return {number, id};
}

}  // namespace

AnalysisRegistration::AnalysisRegistration(AnalysisFactory factory) {
  Factories().push_back(factory);
}

std::vector<std::unique_ptr<Analysis>> CreateAllAnalyses() {
  std::vector<std::unique_ptr<Analysis>> analyses;
  for (AnalysisFactory factory : Factories()) analyses.push_back(factory());
  std::sort(analyses.begin(), analyses.end(), [](const auto& a, const auto& b) {
    return IdOrder(a->Info().id) < IdOrder(b->Info().id);
  });
  return analyses;
}

std::vector<std::unique_ptr<Analysis>> CreateAnalyses(const std::vector<std::string>& ids) {
  std::vector<std::unique_ptr<Analysis>> all = CreateAllAnalyses();
  if (ids.empty()) return all;
  std::vector<std::unique_ptr<Analysis>> chosen;
  for (auto& analysis : all) {
    if (std::find(ids.begin(), ids.end(), analysis->Info().id) != ids.end()) {
      chosen.push_back(std::move(analysis));
    }
  }
  for (const std::string& id : ids) {
    bool known = std::any_of(chosen.begin(), chosen.end(),
                             [&](const auto& a) { return a->Info().id == id; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& a : CreateAllAnalyses()) names.emplace_back(a->Info().id);
      throw UsageError(fmt::format("unknown analysis '{}' (known: {})", id, fmt::join(names, ",")));
    }
  }
  return chosen;
}

}  // namespace borgscope
