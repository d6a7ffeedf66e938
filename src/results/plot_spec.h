#pragma once
// What to draw from an analysis's results: series naming columns of its own
// tidy CSV files. Analyses declare them; report/plot.h renders them.

#include <string>
#include <vector>

namespace borgscope {

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
  // Lines on a numeric x: neighbouring points further apart than this are not
  // joined (q7's deciles without a task are not written). 0: all are joined.
  double x_step = 0;
  // Bars: each bar's value printed above it, so that a bar too short to see
  // still says what it is (q9's near-zero shares).
  bool value_labels = false;
  std::vector<PlotSeries> series{};
};

}  // namespace borgscope
