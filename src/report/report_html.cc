#include "report/report_html.h"

#include <fmt/chrono.h>
#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/progress.h"
#include "engine/registry.h"
#include "errors.h"
#include "io/write_file.h"
#include "report/plot.h"

namespace borgscope {
namespace {

constexpr std::string_view kStyle = R"css(
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: #1d2329; background: #ffffff; margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin: 0 0 6px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
h3.file { font-size: 14px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.id { display: inline-block; min-width: 2.4em; color: #4e79a7; }
.subtitle, .question { color: #4a5560; margin: 0 0 10px; }
.question { font-size: 17px; font-style: italic; }
section.analysis { border-top: 1px solid #d8dde2; padding: 28px 0 8px; }
.definition { font-size: 14px; color: #3a444d; background: #f6f8fa; border-left: 3px solid #c2cbd3;
              padding: 8px 12px; margin: 10px 0; }
.finding { background: #eef5ec; border-left: 4px solid #59a14f; padding: 10px 14px; margin: 12px 0; }
.skipped-note { background: #fcf3e8; border-left: 4px solid #f28e2b; padding: 10px 14px; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e7eb; }
figcaption, .note { font-size: 13px; color: #5c6770; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e3e7eb; text-align: left; white-space: nowrap; }
th { white-space: normal; }
table.transposed td:first-child { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
th { background: #f1f4f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
nav ol { columns: 2; font-size: 14px; padding-left: 1.4em; }
dl.run { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; font-size: 14px; }
dl.run dt { color: #5c6770; }
dl.run dd { margin: 0; }
)css";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 2]);
    text += kAlphabet[(chunk >> 18) & 63];
    text += kAlphabet[(chunk >> 12) & 63];
    text += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    text += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return text;
}

bool IsNumber(const std::string& text) {
  double value;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

std::string Seconds(double seconds) { return fmt::format("{:.3f}", seconds); }

// A column name that may wrap after its underscores ("lost_<wbr>cpu_<wbr>us").
std::string HeaderText(const std::string& name) {
  std::string html;
  for (char c : name) {
    html += HtmlEscape(std::string_view(&c, 1));
    if (c == '_') html += "<wbr>";
  }
  return html;
}

// A small table of literal cells, numeric ones right-aligned.
std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows,
                      std::string_view table_class = "") {
  std::string html =
      table_class.empty()
          ? std::string("<div class=\"scroll\"><table>\n<thead><tr>")
          : fmt::format("<div class=\"scroll\"><table class=\"{}\">\n<thead><tr>", table_class);
  for (const std::string& name : header) html += "<th>" + HeaderText(name) + "</th>";
  html += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const std::string& cell : row) {
      html += (IsNumber(cell) ? "<td class=\"num\">" : "<td>") + HtmlEscape(cell) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</tbody></table></div>\n";
}

// Characters a table needs on one line: each column's longest cell, plus padding.
size_t TableWidthChars(const CsvTable& table) {
  size_t width = 0;
  for (size_t c = 0; c < table.header().size(); ++c) {
    size_t longest = table.header()[c].size();
    for (const auto& row : table.rows()) longest = std::max(longest, row[c].size());
    width += longest + 3;
  }
  return width;
}

// A wide table of a few rows, turned so that it reads down the page: a row per
// CSV column. One CSV row gives "column | value"; several keep their first
// column (e.g. resource: cpu, memory) as the header.
std::string TransposedTable(const CsvTable& table) {
  const auto& header = table.header();
  const auto& rows = table.rows();
  std::vector<std::string> top = {"column", "value"};
  size_t first = 0;
  if (rows.size() > 1) {
    top = {header[0]};
    for (const auto& row : rows) top.push_back(row[0]);
    first = 1;
  }
  std::vector<std::vector<std::string>> turned;
  for (size_t c = first; c < header.size(); ++c) {
    turned.push_back({header[c]});
    for (const auto& row : rows) turned.back().push_back(row[c]);
  }
  return HtmlTable(top, turned, "transposed");
}

std::string CsvSection(const std::filesystem::path& directory, std::string_view id,
                       const std::string& file) {
  std::string html = fmt::format("<h3 class=\"file\">{}</h3>\n", HtmlEscape(file));
  CsvTable table = ReadCsvTable(directory / file);
  const auto& rows = table.rows();
  if (!rows.empty() && rows.size() <= kReportTransposeRows &&
      TableWidthChars(table) > kReportLineChars) {
    return html + TransposedTable(table) +
           "<p class=\"note\">Shown transposed, a row per column of the CSV file.</p>\n";
  }
  if (rows.size() <= kReportTableRows) return html + HtmlTable(table.header(), rows);
  std::vector<std::vector<std::string>> head(rows.begin(), rows.begin() + kReportTableRows);
  return html + HtmlTable(table.header(), head) +
         fmt::format(
             "<p class=\"note truncated\">Showing the first {} of {} rows; the full table "
             "is <a href=\"{}/{}\">{}/{}</a>.</p>\n",
             kReportTableRows, rows.size(), HtmlEscape(id), HtmlEscape(file), HtmlEscape(id),
             HtmlEscape(file));
}

std::string Figures(const Analysis& analysis, const std::filesystem::path& directory,
                    bool plots_drawn) {
  std::string html;
  std::string id(analysis.Info().id);
  const std::vector<PlotSpec> specs = analysis.Plots();
  for (const PlotSpec& spec : specs) {
    std::filesystem::path png = directory / (spec.name + ".png");
    if (!std::filesystem::exists(png)) continue;
    html += fmt::format(
        "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\" width=\"960\" height=\"540\">"
        "<figcaption>{} — <a href=\"{}/{}.svg\">SVG</a> · <a href=\"{}/{}.gp\">gnuplot script</a> "
        "(re-render in {}/ with <code>gnuplot {}.gp</code>)</figcaption></figure>\n",
        Base64(ReadFile(png)), HtmlEscape(spec.title), HtmlEscape(spec.title), HtmlEscape(id),
        HtmlEscape(spec.name), HtmlEscape(id), HtmlEscape(spec.name), HtmlEscape(id),
        HtmlEscape(spec.name));
  }
  if (html.empty() && !specs.empty()) {
    html = plots_drawn ? "<p class=\"note\">No plot was found.</p>\n"
                       : "<p class=\"note\">Plots were not drawn (--no-plots).</p>\n";
  }
  return html;
}

std::string SectionHead(const AnalysisInfo& info, std::string_view classes) {
  return fmt::format(
      "<section class=\"{}\" id=\"{}\">\n<h2><span class=\"id\">{}</span> {}</h2>\n"
      "<p class=\"question\">{}</p>\n",
      classes, HtmlEscape(info.id), HtmlEscape(info.id), HtmlEscape(info.title),
      HtmlEscape(info.question));
}

std::string AnalysisSection(const Analysis& analysis, const AnalysisRunMetrics& metrics,
                            const AnalyzeOptions& options) {
  const AnalysisInfo& info = analysis.Info();
  std::filesystem::path directory = std::filesystem::path(options.out_dir) / std::string(info.id);
  std::string html = SectionHead(info, "analysis");
  html += fmt::format("<p class=\"definition\"><strong>Definition.</strong> {}</p>\n",
                      HtmlEscape(info.definition));
  std::string finding = ReadFile(directory / "finding.txt");
  while (!finding.empty() && finding.back() == '\n') finding.pop_back();
  html += fmt::format("<p class=\"finding\"><strong>Finding.</strong> {}</p>\n",
                      HtmlEscape(finding.empty() ? "(no finding.txt)" : finding));
  html += Figures(analysis, directory, options.plots);
  for (const std::string& file : metrics.files) {
    if (file.size() > 4 && file.ends_with(".csv")) html += CsvSection(directory, info.id, file);
  }
  return html + "</section>\n";
}

std::string RunHeader(const AnalyzeSummary& summary, const AnalyzeOptions& options) {
  uint64_t rows = 0, bytes = 0, bad_rows = 0;
  std::vector<std::vector<std::string>> tables;
  for (const TableScanMetrics& table : summary.tables) {
    rows += table.counters.rows;
    bytes += table.counters.uncompressed_bytes;
    bad_rows += table.counters.bad_rows;
    double rate = table.seconds > 0 ? table.counters.uncompressed_bytes / table.seconds : 0;
    tables.push_back({std::string(TableName(table.table)), std::to_string(table.shards),
                      std::to_string(table.counters.rows), std::to_string(table.counters.bad_rows),
                      std::to_string(table.counters.compressed_bytes),
                      std::to_string(table.counters.uncompressed_bytes), Seconds(table.seconds),
                      HumanBytes(rate) + "/s"});
  }
  std::string html = "<header>\n<h1>borgscope report</h1>\n";
  html += fmt::format(
      "<p class=\"subtitle\">Answers to the questions of DESIGN.md section 2 for one trace, "
      "computed in one pass per table.</p>\n<dl class=\"run\">\n"
      "<dt>Trace</dt><dd><code>{}</code></dd>\n<dt>Output</dt><dd><code>{}</code></dd>\n"
      "<dt>Generated</dt><dd>{:%Y-%m-%d %H:%M:%S} UTC</dd>\n"
      "<dt>Run time</dt><dd>{} s (plots {} s); {} rows, {} of CSV; peak memory {}</dd>\n"
      "<dt>Threads</dt><dd>{}</dd>\n<dt>Bad rows</dt><dd>{} ({})</dd>\n",
      HtmlEscape(options.trace_dir),
      HtmlEscape(options.display_out_dir.empty() ? options.out_dir : options.display_out_dir),
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())),
      Seconds(summary.seconds), Seconds(summary.plot_seconds), rows,
      HumanBytes(static_cast<double>(bytes)),
      HumanBytes(static_cast<double>(summary.peak_rss_bytes)),
      options.scan.threads == 0 ? std::string("all cores") : std::to_string(options.scan.threads),
      bad_rows, options.scan.skip_bad_rows ? "skipped" : "a bad row stops the run");
  for (const std::string& note : summary.notes) {
    html += fmt::format("<dt>Note</dt><dd>{}</dd>\n", HtmlEscape(note));
  }
  html += "</dl>\n<h3>Tables read</h3>\n";
  html += HtmlTable(
      {"table", "shards", "rows", "bad rows", "gzip bytes", "CSV bytes", "seconds", "CSV rate"},
      tables);
  return html;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string ReportHtml(const AnalyzeSummary& summary, const AnalyzeOptions& options) {
  // Sections follow the registry's id order; only analyses of this run appear.
  std::vector<std::unique_ptr<Analysis>> analyses = CreateAllAnalyses();
  std::string sections, contents;
  std::vector<std::vector<std::string>> timings;
  for (const auto& analysis : analyses) {
    const AnalysisInfo& info = analysis->Info();
    auto ran = std::find_if(summary.analyses.begin(), summary.analyses.end(),
                            [&](const AnalysisRunMetrics& m) { return m.id == info.id; });
    auto skipped = std::find_if(summary.skipped.begin(), summary.skipped.end(),
                                [&](const SkippedAnalysis& s) { return s.id == info.id; });
    if (ran != summary.analyses.end()) {
      sections += AnalysisSection(*analysis, *ran, options);
      timings.push_back({std::string(info.id), std::string(info.title), "done",
                         Seconds(ran->scan.consume_seconds), Seconds(ran->scan.merge_seconds),
                         Seconds(ran->finish_seconds)});
    } else if (skipped != summary.skipped.end()) {
      sections += SectionHead(info, "analysis skipped") +
                  fmt::format(
                      "<p class=\"skipped-note\"><strong>Skipped:</strong> {}.</p>\n"
                      "</section>\n",
                      HtmlEscape(skipped->reason));
      timings.push_back({std::string(info.id), std::string(info.title), "skipped", "", "", ""});
    } else {
      continue;
    }
    contents += fmt::format("<li><a href=\"#{}\">{} {}</a>{}</li>\n", HtmlEscape(info.id),
                            HtmlEscape(info.id), HtmlEscape(info.title),
                            ran == summary.analyses.end() ? " (skipped)" : "");
  }

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += fmt::format("<title>borgscope report — {}</title>\n<style>{}</style>\n</head>\n",
                      HtmlEscape(options.trace_dir), kStyle);
  html += "<body>\n<main>\n" + RunHeader(summary, options);
  html += "<h3>Analyses</h3>\n";
  html += HtmlTable({"id", "title", "status", "consume CPU s", "merge s", "finish s"}, timings);
  html += "<nav><ol>\n" + contents + "</ol></nav>\n</header>\n";
  html += sections;
  html += "</main>\n</body>\n</html>\n";
  return html;
}

void WriteReportHtml(const AnalyzeSummary& summary, const AnalyzeOptions& options,
                     const std::filesystem::path& path) {
  std::string html = ReportHtml(summary, options);
  WriteFileOrThrow(path, html);
}

}  // namespace borgscope
