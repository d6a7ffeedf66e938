#pragma once
// One `analyze` run: find the tables, choose the analyses that can run, scan
// every needed table once, finish each analysis into <out>/<id>/ and write
// <out>/metrics.json. Under MPI every rank calls it; rank 0 writes.

#include "engine/run_summary.h"

namespace borgscope {

// Throws UsageError (e.g. an analysis named in `only` whose table is missing),
// DataError (also for a trace folder without any table) and IoError (also for
// an --out that cannot be created or written, before any shard is read).
// Rank 0 writes into a staging folder inside out_dir and moves the results
// into place at the end (report/output_folder.h): a failed run leaves the
// previous results.
AnalyzeSummary RunAnalyze(const AnalyzeOptions& options);

}  // namespace borgscope
