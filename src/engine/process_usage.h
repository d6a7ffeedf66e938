#pragma once
// What this process has used so far, from getrusage, and wall time since a
// point: for the per-rank and per-step figures of metrics.json.

#include <chrono>
#include <cstdint>

namespace borgscope {

// Peak resident memory of the process.
uint64_t PeakRssBytes();

// CPU time of the process, all threads, user and system.
double ProcessCpuSeconds();

// Wall seconds since `start`.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace borgscope
