#include "engine/progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace borgscope {

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} {}", bytes, kUnits[unit])
                   : fmt::format("{:.2f} {}", bytes, kUnits[unit]);
}

std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto total = static_cast<long>(seconds + 0.5);
  if (total >= 3600) return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
  if (total >= 60) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}

bool ProgressDisplay::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

PeriodicRedraw::PeriodicRedraw(bool enabled, std::function<void(bool final_line)> draw)
    : draw_(std::move(draw)) {
  if (!enabled) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) {
      draw_(false);
    }
  });
}

PeriodicRedraw::~PeriodicRedraw() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  draw_(true);
}

ProgressDisplay::ProgressDisplay(bool enabled, std::string label, size_t shards,
                                 uint64_t compressed_total, const LiveCounters& counters)
    : label_(std::move(label)),
      shards_(shards),
      compressed_total_(compressed_total),
      counters_(counters),
      start_(std::chrono::steady_clock::now()),
      redraw_(enabled, [this](bool final_line) { Draw(final_line); }) {}

void ProgressDisplay::Draw(bool final_line) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double compressed = static_cast<double>(counters_.compressed_bytes.load());
  double uncompressed = static_cast<double>(counters_.uncompressed_bytes.load());
  double rows = static_cast<double>(counters_.rows.load());
  double rate = seconds > 0 ? uncompressed / seconds : 0;
  std::string eta;
  if (!final_line && compressed > 0 && compressed_total_ > 0) {
    double remaining = seconds * (static_cast<double>(compressed_total_) - compressed) / compressed;
    eta = ", ETA " + HumanDuration(remaining);
  }
  const uint64_t spilled = counters_.spilled_bytes.load();
  fmt::print(stderr, "\r\033[K{:<16} {}/{} shards  {} gz -> {} csv  {:.1f} M rows  {}/s{}{}{}",
             label_, counters_.shards_done.load(), shards_, HumanBytes(compressed),
             HumanBytes(uncompressed), rows / 1e6, HumanBytes(rate), eta,
             spilled ? fmt::format("  spilled {}", HumanBytes(static_cast<double>(spilled))) : "",
             final_line ? fmt::format("  in {:.1f} s\n", seconds) : "");
  std::fflush(stderr);
}

}  // namespace borgscope
