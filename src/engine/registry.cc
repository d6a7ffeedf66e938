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
  std::vector<std::string> known;
  for (const auto& analysis : all) {
    if (!analysis->IsInput()) known.emplace_back(analysis->Info().id);
  }
  for (const std::string& id : ids) {
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      throw UsageError(fmt::format("unknown analysis '{}' (known: {})", id, fmt::join(known, ",")));
    }
  }
  // The analyses asked for (all when none is named), and the inputs they read.
  std::vector<std::string_view> wanted;
  for (const auto& analysis : all) {
    std::string_view id = analysis->Info().id;
    bool asked = ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
    if (analysis->IsInput() || !asked) continue;
    wanted.push_back(id);
    for (std::string_view input : analysis->InputIds()) wanted.push_back(input);
  }
  std::vector<std::unique_ptr<Analysis>> chosen;
  for (auto& analysis : all) {
    if (std::find(wanted.begin(), wanted.end(), analysis->Info().id) != wanted.end()) {
      chosen.push_back(std::move(analysis));
    }
  }
  return chosen;
}

}  // namespace borgscope
