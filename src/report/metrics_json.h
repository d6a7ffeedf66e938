#pragma once
// <out>/metrics.json: per table shards, bytes in and out, rows, bad rows and
// seconds; per analysis seconds; peak memory.

#include <filesystem>

#include "engine/run_summary.h"

namespace borgscope {

void WriteMetricsJson(const AnalyzeSummary& summary, const AnalyzeOptions& options,
                      const std::filesystem::path& path);

}  // namespace borgscope
