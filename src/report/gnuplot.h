#pragma once
// Running gnuplot: found on PATH, fed a script through a pipe (its stdin),
// its output collected, its exit status returned. No shell is involved.

#include <string>

namespace borgscope {

// Where gnuplot is; tests point it elsewhere.
struct PlotOptions {
  std::string gnuplot = "gnuplot";
};

// Throws UsageError ("install gnuplot ... or pass --no-plots") when
// options.gnuplot is not an executable (a path, or a name on PATH), so that a
// run can fail before a long scan rather than after it.
void RequireGnuplot(const PlotOptions& options = {});

struct GnuplotResult {
  int exit_status = -1;  // -1: killed by a signal
  std::string output;    // stdout and stderr together
};

// Runs `program` with `script` on its stdin. Throws UsageError when it cannot
// be found, IoError when it cannot be started.
GnuplotResult RunGnuplot(const std::string& program, const std::string& script);

// The last `max_lines` non-blank lines of `output`, trimmed, one per line: an
// error message without pages of warnings before it.
std::string OutputTail(const std::string& output, size_t max_lines);

}  // namespace borgscope
