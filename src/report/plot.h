#pragma once
// Plots of an analysis's results through gnuplot. An analysis declares what to
// draw as PlotSpecs naming columns of its own tidy CSV files; the renderer
// writes <dir>/<name>.gp beside them (it reads the CSV itself, so users can
// edit and re-render with `cd <dir> && gnuplot <name>.gp`) and runs gnuplot,
// fed through a pipe, to draw <name>.png and <name>.svg (real text).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "report/gnuplot.h"
#include "report/result_writer.h"

namespace borgscope {

class Analysis;
struct AnalysisRunMetrics;

enum class PlotKind { kBars, kLines, kPoints };

// Only rows whose `column` holds exactly `equals` (e.g. resource == cpu). Rows
// of other groups break a line, so a series' rows should be contiguous (the
// CSVs are sorted by group). Every member has a default so that specs can be
// written with designated initializers naming only what they need.
struct RowFilter {
  std::string column{};  // empty: every row
  std::string equals{};
};

// One series: y over x, read from a CSV file in the analysis's folder.
struct PlotSeries {
  std::string title{};           // legend entry (no legend for a single series)
  std::string file{};            // "task_outcomes.csv"
  std::vector<std::string> x{};  // one column; categorical x may join several ("cpus / memory")
  std::string y{};               // column
  std::string per{};             // optional column: y / per (shares)
  double scale = 1;              // y multiplied by it (100: percent, 1/3.6e9: µs to hours)
  RowFilter where{};
};

struct PlotSpec {
  std::string name{};  // file stem: <name>.gp, <name>.png, <name>.svg
  std::string title{};
  std::string x_label{};  // with units
  std::string y_label{};  // with units
  PlotKind kind = PlotKind::kBars;
  // Categorical x: each distinct x text is one slot, in order of first
  // appearance; bars of several series are grouped. Otherwise x is numeric.
  bool categorical_x = true;
  bool log_x = false;
  bool log_y = false;
  std::vector<PlotSeries> series{};
};

// A CSV file as ResultWriter writes it (no quoting: fields never hold commas).
// Throws IoError when it cannot be read, DataError when a row's width is off.
CsvTable ReadCsvTable(const std::filesystem::path& path);

// The gnuplot script for `spec`, reading its CSVs in `directory` (to check the
// columns and lay out the categories). Throws InternalError for a bad spec
// (no series, a missing file or column, non-numeric numeric x).
std::string PlotScript(const PlotSpec& spec, const std::filesystem::path& directory);

struct PlotJob {
  std::filesystem::path directory;
  PlotSpec spec;
};

// Writes each job's <name>.gp and renders each with its own gnuplot process
// (in parallel), then checks the exit statuses and that
// every PNG and SVG exists and is not empty. Returns the files written, per
// job: <name>.gp, .png, .svg. Throws UsageError when gnuplot is missing
// ("install gnuplot or pass --no-plots") and IoError when it fails.
std::vector<std::vector<std::string>> RenderPlots(const std::vector<PlotJob>& jobs,
                                                  const PlotOptions& options = {});

// Renders the Plots() of each finished analysis into <out_dir>/<id>/ and adds
// the files to its metrics (matched by id). Returns the seconds spent.
double RenderAnalysisPlots(const std::vector<std::unique_ptr<Analysis>>& analyses,
                           const std::filesystem::path& out_dir,
                           std::vector<AnalysisRunMetrics>& metrics,
                           const PlotOptions& options = {});

}  // namespace borgscope
