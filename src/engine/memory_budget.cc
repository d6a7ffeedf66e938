#include "engine/memory_budget.h"

#include <fmt/core.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <string>

#include "errors.h"

namespace borgscope {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// Per scan thread: the inflate window and its state, the block being parsed
// and its RowBatch columns (shard_reader.h), with room for malloc's slack.
constexpr uint64_t kScanBytesPerThread = 16 * kMiB;
// The least the keyed states get to work in, between spills.
constexpr uint64_t kMinimumStateBytes = 32 * kMiB;

std::optional<uint64_t> ReadNumber(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;  // "max"
  return value;
}

}  // namespace

uint64_t PhysicalMemoryBytes() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::optional<uint64_t> CgroupMemoryLimitBytes() {
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    // v1 reports "no limit" as a huge number: only a limit below the machine's counts.
    if (auto limit = ReadNumber(path); limit && *limit < PhysicalMemoryBytes()) return limit;
  }
  return std::nullopt;
}

uint64_t DefaultMemoryLimitBytes() {
  uint64_t base = std::min(PhysicalMemoryBytes(), CgroupMemoryLimitBytes().value_or(UINT64_MAX));
  return base / 4 * 3;
}

uint64_t ParseMemorySize(std::string_view text) {
  auto bad = [&] {
    return UsageError(
        fmt::format("--memory-limit: '{}' is not a size (examples: 512M, 4G, 75%)", text));
  };
  std::string_view number = text, unit;
  size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  number = text.substr(0, digits);
  unit = text.substr(digits);
  double value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc() || end != number.data() + number.size()) throw bad();
  if (unit == "%") {
    if (value <= 0 || value > 100) {
      throw UsageError(fmt::format("--memory-limit: '{}' is not a share in (0, 100]%", text));
    }
    const uint64_t base =
        std::min(PhysicalMemoryBytes(), CgroupMemoryLimitBytes().value_or(UINT64_MAX));
    return static_cast<uint64_t>(static_cast<double>(base) * value / 100);
  }
  std::string upper;
  for (char c : unit) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // "M", "MB", "MiB" alike: binary units.
  if (upper.size() > 1 && upper.back() == 'B') upper.pop_back();
  if (upper.size() > 1 && upper.back() == 'I') upper.pop_back();
  double scale = 0;
  if (upper.empty() || upper == "B") {
    scale = 1;
  } else if (upper == "K") {
    scale = 1024;
  } else if (upper == "M") {
    scale = 1024.0 * 1024;
  } else if (upper == "G") {
    scale = 1024.0 * 1024 * 1024;
  } else if (upper == "T") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    throw bad();
  }
  const double bytes = std::floor(value * scale);
  if (bytes < 1 || bytes > 9.0e18) throw bad();
  return static_cast<uint64_t>(bytes);
}

uint64_t CurrentRssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t LiveHeapBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

void KeepFreedMemoryBelow(uint64_t limit) {
  const uint64_t share = std::max<uint64_t>(limit / 16, kMiB);
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(std::min<uint64_t>(share, 64 * kMiB)));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<uint64_t>(share, 256 * kMiB)));
}

void ReturnFreedMemory() { malloc_trim(0); }

uint64_t MemoryFloorBytes(int threads) {
  const uint64_t floor = CurrentRssBytes() +
                         static_cast<uint64_t>(std::max(threads, 1)) * kScanBytesPerThread +
                         kMinimumStateBytes;
  return (floor + kMiB - 1) / kMiB * kMiB;
}

}  // namespace borgscope
