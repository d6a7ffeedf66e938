#pragma once
// <out>/report.html: one self-contained page — CSS inline, plots embedded as
// PNG data: URIs, no scripts, nothing fetched — with a header (trace, run
// time, per-table and per-analysis metrics) and, per analysis in id order, its
// question, the definition used, the finding, the plots and the CSV tables
// (long ones cut, naming the file); a skipped analysis gets a note saying why.
// It reads what the run wrote under <out>/<id>/.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "engine/run_summary.h"

namespace borgscope {

// Tables longer than this show their first kReportTableRows rows and a note.
constexpr size_t kReportTableRows = 30;
// A table wider than this many characters (its longest cells plus padding)
// does not fit the page's column on a laptop; one of at most
// kReportTransposeRows rows is shown transposed, a row per CSV column.
constexpr size_t kReportLineChars = 110;
constexpr size_t kReportTransposeRows = 3;

// & < > " ' as entities: safe in text and in quoted attribute values.
std::string HtmlEscape(std::string_view text);

std::string ReportHtml(const AnalyzeSummary& summary, const AnalyzeOptions& options);

// Throws IoError when the file cannot be written.
void WriteReportHtml(const AnalyzeSummary& summary, const AnalyzeOptions& options,
                     const std::filesystem::path& path);

}  // namespace borgscope
