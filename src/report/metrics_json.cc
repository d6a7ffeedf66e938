#include "report/metrics_json.h"

#include <fmt/core.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "errors.h"
#include "io/write_file.h"

namespace borgscope {

void WriteMetricsJson(const AnalyzeSummary& summary, const AnalyzeOptions& options,
                      const std::filesystem::path& path) {
  nlohmann::ordered_json json;
  json["trace"] = options.trace_dir;
  json["threads"] = options.scan.threads;
  json["on_error"] = options.scan.skip_bad_rows ? "skip" : "fail";
  json["seconds"] = summary.seconds;
  json["peak_rss_bytes"] = summary.peak_rss_bytes;
  json["memory_limit_bytes"] = summary.memory_limit_bytes;
  json["memory_floor_bytes"] = summary.memory_floor_bytes;
  json["spill"] = {{"spilled_bytes", summary.spill.spilled_bytes},
                   {"states_spilled", summary.spill.spills},
                   {"files", summary.spill.spills ? summary.spill.files : 0},
                   {"partitions", summary.spill.spills ? summary.spill.partitions : 0},
                   {"read_back_bytes", summary.spill.read_bytes},
                   {"spill_seconds", summary.spill.spill_seconds},
                   {"read_back_seconds", summary.spill.read_seconds}};
  uint64_t bad_rows = 0;
  nlohmann::ordered_json tables = nlohmann::ordered_json::object();
  for (const TableScanMetrics& table : summary.tables) {
    nlohmann::ordered_json entry;
    entry["shards"] = table.shards;
    entry["compressed_bytes"] = table.counters.compressed_bytes;
    entry["uncompressed_bytes"] = table.counters.uncompressed_bytes;
    entry["rows"] = table.counters.rows;
    entry["bad_rows"] = table.counters.bad_rows;
    entry["seconds"] = table.seconds;
    entry["uncompressed_bytes_per_second"] =
        table.seconds > 0 ? static_cast<double>(table.counters.uncompressed_bytes) / table.seconds
                          : 0.0;
    nlohmann::ordered_json examples = nlohmann::ordered_json::array();
    for (const SkippedRow& row : table.skipped_rows) examples.push_back(row.description);
    entry["bad_row_examples"] = examples;
    bad_rows += table.counters.bad_rows;
    tables[std::string(TableName(table.table))] = entry;
  }
  json["bad_rows"] = bad_rows;
  json["tables"] = tables;
  nlohmann::ordered_json analyses = nlohmann::ordered_json::object();
  for (const AnalysisRunMetrics& analysis : summary.analyses) {
    nlohmann::ordered_json entry;
    entry["consume_cpu_seconds"] = analysis.scan.consume_seconds;
    entry["merge_seconds"] = analysis.scan.merge_seconds;
    entry["finish_seconds"] = analysis.finish_seconds;
    entry["files"] = analysis.files;
    analyses[analysis.id] = entry;
  }
  json["analyses"] = analyses;
  nlohmann::ordered_json inputs = nlohmann::ordered_json::object();
  for (const AnalysisRunMetrics& input : summary.inputs) {
    inputs[input.id] = {{"consume_cpu_seconds", input.scan.consume_seconds},
                        {"merge_seconds", input.scan.merge_seconds}};
  }
  json["inputs"] = inputs;
  nlohmann::ordered_json skipped = nlohmann::ordered_json::object();
  for (const SkippedAnalysis& analysis : summary.skipped) skipped[analysis.id] = analysis.reason;
  json["skipped_analyses"] = skipped;
  json["notes"] = summary.notes;
  nlohmann::ordered_json ranks = nlohmann::ordered_json::array();
  for (const RankScanMetrics& rank : summary.ranks) {
    nlohmann::ordered_json entry;
    entry["rank"] = rank.rank;
    entry["shards"] = rank.shards;
    entry["compressed_bytes"] = rank.compressed_bytes;
    entry["scan_seconds"] = rank.scan_seconds;
    entry["wait_seconds"] = rank.wait_seconds;
    entry["merge_seconds"] = rank.merge_seconds;
    entry["exchange_split_seconds"] = rank.exchange_split_seconds;
    entry["exchange_transfer_seconds"] = rank.exchange_transfer_seconds;
    entry["exchange_absorb_seconds"] = rank.exchange_absorb_seconds;
    entry["merge_cpu_seconds"] = rank.merge_cpu_seconds;
    entry["finish_seconds"] = rank.finish_seconds;
    entry["bytes_sent"] = rank.bytes_sent;
    entry["bytes_received"] = rank.bytes_received;
    entry["peak_rss_bytes"] = rank.peak_rss_bytes;
    entry["spilled_bytes"] = rank.spilled_bytes;
    entry["cpu_seconds"] = rank.cpu_seconds;
    ranks.push_back(entry);
  }
  json["ranks"] = ranks;

  WriteFileOrThrow(path, json.dump(2) + '\n');
}

}  // namespace borgscope
