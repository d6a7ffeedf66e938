#pragma once
// Progress of a table scan on a terminal: shards, bytes, rows, rate and ETA,
// redrawn on one stderr line twice a second. Silent when disabled (--quiet or
// stderr is not a terminal).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "engine/shard_reader.h"

namespace borgscope {

// Calls draw(false) from its own thread twice a second, and draw(true) once
// when destroyed (after the thread stopped). Disabled: no thread, no calls.
// Declare it last among its owner's members, so it stops before they go.
class PeriodicRedraw {
 public:
  PeriodicRedraw(bool enabled, std::function<void(bool final_line)> draw);
  ~PeriodicRedraw();
  PeriodicRedraw(const PeriodicRedraw&) = delete;
  PeriodicRedraw& operator=(const PeriodicRedraw&) = delete;

 private:
  std::function<void(bool)> draw_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

class ProgressDisplay {
 public:
  // `enabled` false: nothing is printed and no thread is started.
  ProgressDisplay(bool enabled, std::string label, size_t shards, uint64_t compressed_total,
                  const LiveCounters& counters);
  // Destruction prints the final line.
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // True when stderr is a terminal (progress makes sense).
  static bool StderrIsTerminal();

 private:
  void Draw(bool final_line);

  std::string label_;
  size_t shards_;
  uint64_t compressed_total_;
  const LiveCounters& counters_;
  std::chrono::steady_clock::time_point start_;
  PeriodicRedraw redraw_;  // last: stops first
};

// "1.23 GB", "512 kB"
std::string HumanBytes(double bytes);
// "1m20s", "12s"
std::string HumanDuration(double seconds);

}  // namespace borgscope
