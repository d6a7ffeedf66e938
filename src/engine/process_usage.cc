#include "engine/process_usage.h"

#include <sys/resource.h>

namespace borgscope {
namespace {

rusage OwnUsage() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage;
}

double Seconds(const timeval& time) {
  return static_cast<double>(time.tv_sec) + 1e-6 * static_cast<double>(time.tv_usec);
}

}  // namespace

uint64_t PeakRssBytes() {
  return static_cast<uint64_t>(OwnUsage().ru_maxrss) * 1024;  // Linux reports kB
}

double ProcessCpuSeconds() {
  const rusage usage = OwnUsage();
  return Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
}

}  // namespace borgscope
