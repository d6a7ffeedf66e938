#pragma once
// Runs `analyze` in-process on a fixture and reads its CSV outputs.

#include <string>
#include <vector>

#include "run/analyze.h"
#include "test_support.h"

namespace borgscope::testing {

class AnalysisRun {
 public:
  AnalysisRun(const std::string& trace_dir, std::vector<std::string> only, int threads = 1) {
    AnalyzeOptions options;
    options.trace_dir = trace_dir;
    options.out_dir = out_.path().string();
    options.only = std::move(only);
    options.scan.threads = threads;
    summary_ = RunAnalyze(options);
  }
  std::string Csv(const std::string& relative) const { return ReadText(out_.path() / relative); }
  const AnalyzeSummary& summary() const { return summary_; }
  const fs::path& out() const { return out_.path(); }

 private:
  TempDir out_;
  AnalyzeSummary summary_;
};

}  // namespace borgscope::testing
