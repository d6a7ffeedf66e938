#pragma once
// What this process has used so far, from getrusage: for the per-rank figures
// of metrics.json.

#include <cstdint>

namespace borgscope {

// Peak resident memory of the process.
uint64_t PeakRssBytes();

// CPU time of the process, all threads, user and system.
double ProcessCpuSeconds();

}  // namespace borgscope
