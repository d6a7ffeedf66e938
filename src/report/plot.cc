#include "report/plot.h"

#include <fmt/core.h>
#include <sys/statvfs.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <set>

#include "engine/run_summary.h"
#include "errors.h"
#include "io/write_file.h"

namespace borgscope {
namespace {

constexpr size_t kMaxCategories = 200;  // beyond that a categorical axis is unreadable
constexpr double kGroupWidth = 0.8;     // of a category slot, shared by its bars
// gnuplot's filled circle, square, triangle, diamond, inverted triangle, ...
constexpr std::array<int, 8> kPointTypes = {7, 5, 9, 13, 11, 15, 6, 4};
// Open shapes for scatter plots, so that coinciding points all show.
constexpr std::array<int, 8> kOpenPointTypes = {6, 4, 8, 12, 10, 14, 1, 2};
constexpr int kWidth = 960, kHeight = 540;  // pixels; 16:9 fits the report's column
// Tableau 10: distinguishable, also in grey print.
constexpr std::array<std::string_view, 8> kColors = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                                     "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

// A gnuplot single-quoted string: no escapes but '' for a quote.
std::string Quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "''";
    } else {
      quoted += c == '\n' || c == '\r' ? ' ' : c;
    }
  }
  return quoted + "'";
}

// Scatter points of series `index` of `count`: earlier series larger, so that
// where two coincide (q10's cpu and memory of capacity 0.25) the later shape
// sits inside the earlier one, both visible, whatever the draw order.
double PointSize(size_t index, size_t count) {
  const size_t larger_than_last = count > index ? std::min<size_t>(count - 1 - index, 2) : 0;
  return static_cast<double>(16 + 8 * larger_than_last) / 10;  // 2.4, not 2.4000000000000004
}

// Shortest text that reads back as `value` in gnuplot, always a real (never
// integer division).
std::string Real(double value) {
  std::string text = fmt::format("{}", value);  // shortest that reads back the same
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

bool ParseNumber(const std::string& text, double* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

// A series with its CSV read and checked.
struct LoadedSeries {
  // Rows [first, last] of the CSV (from 0, the header not counted) that a
  // line draws without a break.
  struct Segment {
    size_t first = 0, last = 0;
  };
  const PlotSeries* series = nullptr;
  CsvTable table{{}};
  std::vector<size_t> x_columns;
  size_t y_column = 0;
  std::optional<size_t> per_column, filter_column;
  size_t points = 0;                                       // rows that draw a point
  double min_y = std::numeric_limits<double>::infinity();  // of those points
  std::vector<Segment> segments;  // with spec.x_step: the line's unbroken runs

  bool Matches(const std::vector<std::string>& row) const {
    return !filter_column || row[*filter_column] == series->where.equals;
  }
  // The category as gnuplot computes it from the row, and as a tic shows it.
  std::string XText(const std::vector<std::string>& row, bool label = false) const {
    std::string text;
    for (size_t i = 0; i < x_columns.size(); ++i) {
      const std::string& field = row[x_columns[i]];
      text += (i ? " / " : "") + (label && field.empty() ? std::string("unknown") : field);
    }
    return text;
  }
};

[[noreturn]] void BadSpec(const PlotSpec& spec, std::string_view problem) {
  throw InternalError(fmt::format("plot {}: {}", spec.name, problem));
}

LoadedSeries LoadSeries(const PlotSpec& spec, const PlotSeries& series,
                        const std::filesystem::path& directory) {
  LoadedSeries loaded;
  loaded.series = &series;
  if (!std::filesystem::exists(directory / series.file)) {
    BadSpec(spec, fmt::format("{} does not exist in {}", series.file, directory.string()));
  }
  loaded.table = ReadCsvTable(directory / series.file);
  auto column = [&](const std::string& name) {
    const auto& header = loaded.table.header();
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    BadSpec(spec, fmt::format("{} has no column '{}'", series.file, name));
  };
  if (series.x.empty() || (series.x.size() > 1 && !spec.categorical_x)) {
    BadSpec(spec, "a series needs one x column (several only on a categorical axis)");
  }
  for (const std::string& name : series.x) loaded.x_columns.push_back(column(name));
  loaded.y_column = column(series.y);
  if (!series.per.empty()) loaded.per_column = column(series.per);
  if (!series.where.column.empty()) loaded.filter_column = column(series.where.column);

  std::optional<double> previous_x;  // of the last matching row with an x
  const auto& rows = loaded.table.rows();
  for (size_t index = 0; index < rows.size(); ++index) {
    const auto& row = rows[index];
    if (!loaded.Matches(row)) continue;
    double x = 0, y = 0, per = 1;
    if (!spec.categorical_x) {
      if (row[loaded.x_columns[0]].empty()) continue;
      if (!ParseNumber(row[loaded.x_columns[0]], &x)) {
        BadSpec(spec, fmt::format("{} column {} holds '{}', not a number", series.file, series.x[0],
                                  row[loaded.x_columns[0]]));
      }
      if (spec.x_step > 0) {
        if (!previous_x || x - *previous_x > spec.x_step * (1 + 1e-9)) {
          loaded.segments.push_back({index, index});
        }
        loaded.segments.back().last = index;
        previous_x = x;
      }
    }
    if (!ParseNumber(row[loaded.y_column], &y)) continue;  // empty: no point
    if (loaded.per_column && (!ParseNumber(row[*loaded.per_column], &per) || per == 0)) continue;
    y = series.scale * y / per;
    if ((spec.log_y && y <= 0) || (spec.log_x && x <= 0)) continue;
    ++loaded.points;
    loaded.min_y = std::min(loaded.min_y, y);
  }
  return loaded;
}

// The using-expressions of a series: "(x):(y)", y undefined (NaN: no point,
// and a line breaks there) in rows of other groups and where a value is empty.
// column() must not see an empty field: gnuplot would drop the row silently
// and draw a line across the gap; valid() (which takes only column numbers)
// tests it first.
std::string YExpression(const LoadedSeries& loaded) {
  const PlotSeries& series = *loaded.series;
  std::string y = fmt::format("column({})", Quote(series.y));
  std::string defined = fmt::format("valid({})", loaded.y_column + 1);
  if (loaded.per_column) {
    y += fmt::format(" / column({})", Quote(series.per));
    defined += fmt::format(" && valid({})", *loaded.per_column + 1);
  }
  if (series.scale != 1) y = fmt::format("{} * {}", Real(series.scale), y);
  if (!series.where.column.empty()) {
    defined = fmt::format("strcol({}) eq {} && {}", Quote(series.where.column),
                          Quote(series.where.equals), defined);
  }
  return fmt::format("{} ? {} : NaN", defined, y);
}

std::string UsingClause(const LoadedSeries& loaded, const std::string& x_expression) {
  return fmt::format("({}):({})", x_expression, YExpression(loaded));
}

// A series' legend entry; one without a point keeps it, saying so.
std::string KeyTitle(const LoadedSeries& loaded) {
  return loaded.points > 0 ? loaded.series->title : loaded.series->title + " (no data)";
}

// The legend: none for one series, beside the plot, or below it when titles
// are long (beside, they would squeeze the plot). Returns the rows below it.
size_t AppendKey(const std::vector<LoadedSeries>& all, std::string& gp) {
  size_t longest = 0;
  for (const LoadedSeries& loaded : all) longest = std::max(longest, KeyTitle(loaded).size());
  if (all.size() < 2) {
    gp += "unset key\n";
    return 0;
  }
  if (longest <= 16) {
    gp += "set key outside right top vertical Left reverse noautotitle\n";
    return 0;
  }
  gp += "set key outside below center horizontal Left reverse noautotitle\n";
  // gnuplot reserves some 80 characters of a 960 px row for entries
  const size_t per_row = std::max<size_t>(1, 80 / (longest + 10));
  return (all.size() + per_row - 1) / per_row;
}

// gnuplot leaves room for the x label or for a key below, not for both.
std::string BottomMargin(size_t key_rows, size_t rotated_label_chars) {
  return fmt::format("set bmargin {}\n",
                     4 + key_rows + (key_rows + 1) / 2 + (rotated_label_chars * 2 + 4) / 5);
}

void AppendYAxis(const PlotSpec& spec, const std::vector<LoadedSeries>& all, std::string& gp) {
  if (!spec.log_y) {
    gp += "set yrange [0:*]\n";
    return;
  }
  gp += "set logscale y\n";
  // Bars grow from the bottom: put it below the smallest bar, which would
  // have no height if it fell on the bottom (a power of 10).
  double min_y = std::numeric_limits<double>::infinity();
  for (const LoadedSeries& loaded : all) min_y = std::min(min_y, loaded.min_y);
  if (spec.kind == PlotKind::kBars && std::isfinite(min_y)) {
    gp += fmt::format("set yrange [{}:*]\n", Real(min_y / 2));
  }
}

struct CategoryAxis {
  std::vector<std::string> texts;   // as gnuplot computes them from a row
  std::vector<std::string> labels;  // as the tics show them
};

// Every x text of a matching row, in order of first appearance over the series.
CategoryAxis Categories(const PlotSpec& spec, const std::vector<LoadedSeries>& all) {
  CategoryAxis axis;
  std::set<std::string> seen;
  for (const LoadedSeries& loaded : all) {
    for (const auto& row : loaded.table.rows()) {
      if (loaded.Matches(row) && seen.insert(loaded.XText(row)).second) {
        axis.texts.push_back(loaded.XText(row));
        axis.labels.push_back(loaded.XText(row, /*label=*/true));
      }
    }
  }
  if (axis.texts.size() > kMaxCategories) {
    BadSpec(spec, fmt::format("{} categories; more than {} need a numeric x axis",
                              axis.texts.size(), kMaxCategories));
  }
  return axis;
}

// Slot i of a category axis is x = i; category(text) maps a row's text to it.
void AppendCategoryAxis(const PlotSpec& spec, const CategoryAxis& axis, size_t key_rows,
                        std::string& gp) {
  size_t longest = 0;
  std::string function = "category(s) = ", tics;
  for (size_t i = 0; i < axis.texts.size(); ++i) {
    function += fmt::format("s eq {} ? {} : \\\n  ", Quote(axis.texts[i]), i);
    tics += fmt::format("{}{} {}", i ? ", " : "", Quote(axis.labels[i]), i);
    longest = std::max(longest, axis.labels[i].size());
  }
  gp += function + "NaN\n";
  gp += fmt::format("set xtics ({})\n", tics);
  const bool rotate = axis.texts.size() * (longest + 2) > 90;  // would overlap at 960 px
  if (rotate) gp += "set xtics rotate by -35\n";
  if (key_rows > 0) gp += BottomMargin(key_rows, rotate ? longest : 0);
  const double margin = spec.kind == PlotKind::kBars ? 0.6 : 0.5;
  gp += fmt::format("set xrange [{}:{}]\n", Real(-margin),
                    Real(static_cast<double>(axis.texts.size()) - 1 + margin));
}

// The plot command; bars of several series on a category axis stand side by
// side. A series without a point keeps its legend entry and its slot.
std::string PlotCommand(const PlotSpec& spec, const std::vector<LoadedSeries>& all,
                        std::string& gp) {
  const double box_width = std::round(kGroupWidth / static_cast<double>(all.size()) * 1e6) / 1e6;
  if (spec.kind == PlotKind::kBars && spec.categorical_x) {
    gp += fmt::format("set boxwidth {} absolute\n", Real(box_width));
  }
  std::string plot;
  for (size_t s = 0; s < all.size(); ++s) {
    const PlotSeries& series = *all[s].series;
    std::string x = fmt::format("column({})", Quote(series.x[0]));
    if (spec.categorical_x) {
      std::string text;
      for (size_t i = 0; i < series.x.size(); ++i) {
        text += fmt::format("{}strcol({})", i ? ".' / '." : "", Quote(series.x[i]));
      }
      // Rounded, so that the script shows 0.16 rather than 0.16000000000000003.
      const double offset = spec.kind == PlotKind::kBars
                                ? std::round((box_width * (s + 0.5) - kGroupWidth / 2) * 1e6) / 1e6
                                : 0;
      x = fmt::format("category({})", text);
      if (offset != 0) x += fmt::format(" {} {}", offset < 0 ? '-' : '+', Real(std::abs(offset)));
    }
    std::string_view style = spec.kind == PlotKind::kLines    ? "linespoints"
                             : spec.kind == PlotKind::kPoints ? "points"
                             : spec.categorical_x             ? "boxes"
                                                              : "impulses lw 6";  // any x spread
    const std::string using_clause = UsingClause(all[s], x);
    const size_t line_type = s % kColors.size() + 1;
    if (all[s].points == 0 || all[s].segments.size() <= 1) {
      std::string data =
          all[s].points > 0 ? fmt::format("{} using {}", Quote(series.file), using_clause) : "NaN";
      plot += fmt::format("{}{} with {} lt {} title {}", plot.empty() ? "plot " : ", \\\n     ",
                          data, style, line_type, Quote(KeyTitle(all[s])));
    } else {
      // A line in pieces, one per run of rows spec.x_step apart: gnuplot joins
      // every point it draws, so a gap between runs must be two plot elements.
      for (size_t g = 0; g < all[s].segments.size(); ++g) {
        const LoadedSeries::Segment& segment = all[s].segments[g];
        plot += fmt::format("{}{} every ::{}::{} using {} with {} lt {} {}",
                            plot.empty() ? "plot " : ", \\\n     ", Quote(series.file),
                            segment.first, segment.last, using_clause, style, line_type,
                            g == 0 ? "title " + Quote(KeyTitle(all[s])) : std::string("notitle"));
      }
    }
    if (spec.value_labels && spec.kind == PlotKind::kBars && all[s].points > 0) {
      // The value above each bar, as the bar is drawn (scaled, a share).
      const std::string y = YExpression(all[s]);
      // Values below 0.001 say so rather than print an exponent.
      plot += fmt::format(
          ", \\\n     {} using ({}):({}):(abs({}) > 0 && abs({}) < 0.001 ? '< 0.001' : "
          "sprintf('%.3g', {})) with labels center offset 0,0.7 tc rgb '#333333' notitle",
          Quote(series.file), x, y, y, y, y);
    }
  }
  return plot;
}

}  // namespace

CsvTable ReadCsvTable(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1) {
      fields.push_back(line.substr(start, comma - start));
    }
    fields.push_back(line.substr(start));
    return fields;
  };
  std::string line;
  if (!std::getline(file, line)) throw DataError(fmt::format("{} is empty", path.string()));
  CsvTable table(split(line));
  for (size_t number = 2; std::getline(file, line); ++number) {
    std::vector<std::string> row = split(line);
    if (row.size() != table.header().size()) {
      throw DataError(fmt::format("{} line {}: {} fields, the header has {}", path.string(), number,
                                  row.size(), table.header().size()));
    }
    table.AddRow(std::move(row));
  }
  return table;
}

std::string PlotScript(const PlotSpec& spec, const std::filesystem::path& directory) {
  if (spec.name.empty() || spec.name.find('/') != std::string::npos) {
    BadSpec(spec, "the name must be a plain file stem");
  }
  if (spec.series.empty()) BadSpec(spec, "no series");
  std::vector<LoadedSeries> all;
  for (const PlotSeries& series : spec.series) all.push_back(LoadSeries(spec, series, directory));
  const bool has_points = std::any_of(all.begin(), all.end(),
                                      [](const LoadedSeries& loaded) { return loaded.points > 0; });
  std::string gp = fmt::format(
      "# {}\n"
      "# Written by borgscope from the CSV file(s) beside it; re-render in this folder with:\n"
      "#   gnuplot {}.gp\n"
      "# valid(N): column N (from 1) holds a value; rows without one draw no point.\n"
      "reset session\n"
      "set encoding utf8\n"
      "set datafile separator ','\n"
      "set datafile columnheaders\n"
      "set title {} font ',14'\n"
      "set xlabel {}\n"
      "set ylabel {}\n"
      "set border 3 lc rgb '#555555'\n"
      "set tics nomirror out\n"
      "set grid ytics lt 1 lc rgb '#e4e4e4'\n"
      "set format y '%g'\n",
      spec.title, spec.name, Quote(spec.title), Quote(spec.x_label), Quote(spec.y_label));
  for (size_t i = 0; i < kColors.size(); ++i) {  // shapes too: points may coincide
    gp += fmt::format("set linetype {} lc rgb '{}' lw 2 pt {} ps {} dt solid\n", i + 1, kColors[i],
                      spec.kind == PlotKind::kPoints ? kOpenPointTypes[i] : kPointTypes[i],
                      spec.kind == PlotKind::kPoints ? PointSize(i, spec.series.size()) : 1);
  }
  if (spec.kind == PlotKind::kBars) gp += "set style fill solid 0.9 border rgb '#333333'\n";
  const size_t key_rows = AppendKey(all, gp);
  AppendYAxis(spec, all, gp);
  if (spec.categorical_x) {
    AppendCategoryAxis(spec, Categories(spec, all), key_rows, gp);
  } else {
    if (spec.log_x) gp += "set logscale x\n";
    gp += "set autoscale xfix\n";  // the data's extent plus a margin, not the next tics
    gp += "set offsets graph 0.03, graph 0.03, graph 0.05, 0\n";
    if (key_rows > 0) gp += BottomMargin(key_rows, 0);
  }
  std::string plot = PlotCommand(spec, all, gp);
  if (!has_points) {  // gnuplot refuses a plot without points: draw empty axes
    if (!spec.categorical_x) gp += "set xrange [0:1]\n";
    gp += spec.log_y ? "set yrange [1:10]\n" : "set yrange [0:1]\n";
    gp += "set label 'no data' at graph 0.5, graph 0.5 center font ',14'\n";
    plot = "plot NaN notitle";
  }
  return gp + fmt::format(
                  "set terminal pngcairo noenhanced size {0},{1} background '#ffffff' "
                  "font 'DejaVu Sans,11'\n"
                  "set output {2}\n"
                  "{3}\n"
                  "set terminal svg noenhanced size {0},{1} dynamic background '#ffffff' "
                  "font 'sans-serif,12'\n"
                  "set output {4}\n"
                  "replot\n"
                  "unset output\n",
                  kWidth, kHeight, Quote(spec.name + ".png"), plot, Quote(spec.name + ".svg"));
}

std::vector<std::vector<std::string>> RenderPlots(const std::vector<PlotJob>& jobs,
                                                  const PlotOptions& options) {
  std::vector<std::vector<std::string>> files;
  if (jobs.empty()) return files;
  RequireGnuplot(options);
  std::vector<std::string> commands;
  for (const PlotJob& job : jobs) {
    std::string script = PlotScript(job.spec, job.directory);
    std::filesystem::path gp = job.directory / (job.spec.name + ".gp");
    WriteFileOrThrow(gp, script);
    commands.push_back(fmt::format("cd {}\nload {}\n",
                                   Quote(std::filesystem::absolute(job.directory).string()),
                                   Quote(gp.filename().string())));
    files.push_back({job.spec.name + ".gp", job.spec.name + ".png", job.spec.name + ".svg"});
    // An image left by an earlier run must not pass for this run's.
    for (size_t f = 1; f < files.back().size(); ++f) {
      std::error_code ignored;
      std::filesystem::remove(job.directory / files.back()[f], ignored);
    }
  }
  // One gnuplot process per plot: a process that drew one plot draws the next
  // slightly differently (border and grid state survive `reset session`), and
  // the images must not depend on which analyses ran. Processes run in parallel.
  std::vector<GnuplotResult> results(jobs.size());
  tbb::parallel_for(size_t{0}, jobs.size(),
                    [&](size_t i) { results[i] = RunGnuplot(options.gnuplot, commands[i]); });
  for (size_t i = 0; i < jobs.size(); ++i) {
    const std::filesystem::path gp = jobs[i].directory / files[i][0];
    if (results[i].exit_status != 0) {
      throw IoError(fmt::format("{} failed (exit status {}) drawing {}: {}", options.gnuplot,
                                results[i].exit_status, gp.string(),
                                OutputTail(results[i].output, 6)));
    }
    for (size_t f = 1; f < files[i].size(); ++f) {
      std::filesystem::path path = jobs[i].directory / files[i][f];
      std::error_code ec;
      if (std::filesystem::file_size(path, ec) == 0 || ec) {
        // A full disk is the disk's fault, not gnuplot's.
        struct statvfs space {};
        if (statvfs(jobs[i].directory.c_str(), &space) == 0 && space.f_bavail == 0) {
          throw IoError(fmt::format("cannot write {}: {}", path.string(), std::strerror(ENOSPC)));
        }
        throw IoError(fmt::format("{} wrote no {} (its output: {})", options.gnuplot, path.string(),
                                  OutputTail(results[i].output, 6)));
      }
    }
  }
  return files;
}

double RenderAnalysisPlots(const std::vector<std::unique_ptr<Analysis>>& analyses,
                           const std::filesystem::path& out_dir,
                           std::vector<AnalysisRunMetrics>& metrics, const PlotOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<PlotJob> jobs;
  std::vector<std::string> job_ids;
  for (const auto& analysis : analyses) {
    std::string id(analysis->Info().id);
    for (PlotSpec& spec : analysis->Plots()) {
      jobs.push_back({out_dir / id, std::move(spec)});
      job_ids.push_back(id);
    }
  }
  std::vector<std::vector<std::string>> files = RenderPlots(jobs, options);
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (AnalysisRunMetrics& entry : metrics) {
      if (entry.id == job_ids[i]) {
        entry.files.insert(entry.files.end(), files[i].begin(), files[i].end());
      }
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace borgscope
