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
#include "results/plot_spec.h"
#include "results/result_writer.h"

namespace borgscope {

class Analysis;
struct AnalysisRunMetrics;

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
