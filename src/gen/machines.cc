#include "gen/machines.h"

#include <algorithm>
#include <cmath>

#include "gen/random.h"
#include "trace/schema.h"

namespace borgscope::gen {
namespace {

// Stream and hash tags, so that each use of the seed draws independent numbers.
constexpr uint64_t kMachinesTag = 0x6d616368696e6573;  // "machines"
constexpr uint64_t kPlatformTag = 0x706c6174666f726d;  // "platform"
constexpr uint64_t kAttributeNameTag = 0x617474726e616d65;
constexpr uint64_t kAttributeValueTag = 0x6174747276616c75;

struct MachineConfig {
  double cpus;
  double memory;
  uint8_t platform;
  double weight;  // machines of this configuration in the real cell
};
constexpr MachineConfig kConfigs[] = {
    {0.5, 0.4995, 0, 6728}, {0.5, 0.2493, 0, 3864}, {0.5, 0.749, 0, 1003}, {1, 1, 1, 795},
    {0.25, 0.2498, 2, 126}, {0.5, 0.1241, 0, 54},   {0.5, 0.03085, 0, 5},  {0.5, 0.9678, 0, 4},
    {1, 0.5, 1, 3},         {0.5, 0.06158, 0, 1},
};
constexpr uint8_t kPlaceholderPlatform = 3;

// Per machine-day rates: maintenance (REMOVE→ADD) and UPDATE events. The real
// cell has ~0.024 and ~0.02; offline periods are a little more frequent here
// so that small traces have a few.
constexpr double kOfflineRatePerDay = 0.04;
constexpr double kUpdateRatePerDay = 0.025;
constexpr double kCapacityChangeShare = 0.05;
constexpr double kLateMachineShare = 0.02;
constexpr double kEmptyFirstAddShare = 0.3;  // of machines added later
constexpr double kRemovedForGoodShare = 0.008;

// Offline period lengths as in the real cell: 34 % under 10 minutes, 36 % up
// to an hour, 17 % up to 6 hours, 8 % up to a day, the rest up to 5 days.
constexpr double kOfflineBucketWeights[] = {0.34, 0.36, 0.17, 0.08, 0.05};
constexpr double kOfflineBucketBounds[] = {60, 600, 3600, 6 * 3600, 86400, 5 * 86400};

int64_t OfflineLength(Random& rng) {
  const size_t bucket = rng.Pick(kOfflineBucketWeights);
  const double seconds =
      rng.LogUniform(kOfflineBucketBounds[bucket], kOfflineBucketBounds[bucket + 1]);
  return static_cast<int64_t>(seconds * kMicrosPerSecond);
}

// A capacity UPDATE moves memory to another value seen with the same CPUs.
double ChangedMemory(Random& rng, double cpus, double memory) {
  std::vector<double> others;
  for (const MachineConfig& config : kConfigs) {
    if (config.cpus == cpus && config.memory != memory) others.push_back(config.memory);
  }
  if (others.empty()) return memory;
  return others[rng.Below(others.size())];
}

std::vector<uint64_t> UniqueSortedIds(Random& rng, size_t count, double low, double high,
                                      bool log_uniform) {
  std::vector<uint64_t> ids;
  while (ids.size() < count) {
    while (ids.size() < count) {
      const double x = log_uniform ? rng.LogUniform(low, high) : rng.Uniform(low, high);
      ids.push_back(static_cast<uint64_t>(x));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  return ids;
}

class MachineBuilder {
 public:
  MachineBuilder(const TraceShape& shape, MachinePopulation& population, Random& rng)
      : shape_(shape), population_(population), rng_(rng) {}

  void Build(uint32_t machine, int64_t first_add, bool empty_first_add, bool removed_for_good) {
    machine_ = machine;
    const MachineConfig& config = kConfigs[rng_.Pick(ConfigWeights())];
    cpus_ = config.cpus;
    memory_ = config.memory;
    platform_ = config.platform;
    if (empty_first_add) {
      Emit(first_add, MachineEventType::kAdd, kPlaceholderPlatform, /*empty=*/true);
      Emit(first_add + rng_.Between(500, 5000), MachineEventType::kUpdate, platform_, false);
    } else {
      Emit(first_add, MachineEventType::kAdd, platform_, false);
    }
    AddAttributes(first_add);

    const int64_t removal =
        removed_for_good
            ? static_cast<int64_t>(rng_.Uniform(std::max(first_add, kWindowStart), shape_.end_time))
            : shape_.end_time;
    const double rate_per_us = (kOfflineRatePerDay + kUpdateRatePerDay) / kDay;
    int64_t time = std::max(first_add + 5000, kWindowStart);  // after the completing UPDATE
    while (true) {
      time += static_cast<int64_t>(rng_.Exponential(1.0 / rate_per_us)) + 1;
      if (time >= removal) break;
      if (rng_.Chance(kOfflineRatePerDay / (kOfflineRatePerDay + kUpdateRatePerDay))) {
        Emit(time, MachineEventType::kRemove, platform_, false);
        time += OfflineLength(rng_);
        if (time >= removal) return;  // offline until the end of the trace, or for good
        Emit(time, MachineEventType::kAdd, platform_, false);
      } else {
        if (rng_.Chance(kCapacityChangeShare)) memory_ = ChangedMemory(rng_, cpus_, memory_);
        Emit(time, MachineEventType::kUpdate, platform_, false);
        if (rng_.Chance(0.3)) ChangeAttribute(time);
      }
    }
    if (removed_for_good) Emit(removal, MachineEventType::kRemove, platform_, false);
  }

 private:
  static std::vector<double> ConfigWeights() {
    std::vector<double> weights;
    for (const MachineConfig& config : kConfigs) weights.push_back(config.weight);
    return weights;
  }

  void Emit(int64_t time, MachineEventType type, uint8_t platform, bool empty) {
    MachineEventRow row;
    row.time = time;
    row.machine_id = population_.ids[machine_];
    row.machine = machine_;
    row.event_type = static_cast<uint8_t>(type);
    row.platform = platform;
    row.cpus = empty ? Decimal4::Empty() : Round4(cpus_);
    row.memory = empty ? Decimal4::Empty() : Round4(memory_);
    population_.events.push_back(row);
  }

  AttributeValue DrawValue(uint32_t attribute) {
    AttributeValue value;
    value.kind = AttributeKind(attribute);
    if (value.kind == AttributeValue::kInteger) {
      value.value = 1 + static_cast<uint32_t>(rng_.Below(AttributeValueRange(attribute)));
    } else if (value.kind == AttributeValue::kHash) {
      value.value = static_cast<uint32_t>(rng_.Below(AttributeValueRange(attribute)));
    }
    return value;
  }

  void AddAttributes(int64_t time) {
    for (uint32_t attribute = 0; attribute < kAttributeCount; ++attribute) {
      // The first ten describe every machine; the others only some.
      if (attribute >= 10 && !rng_.Chance(0.45)) continue;
      population_.attributes.push_back({time, population_.ids[machine_],
                                        static_cast<uint16_t>(attribute), false,
                                        DrawValue(attribute)});
    }
  }

  void ChangeAttribute(int64_t time) {
    const uint32_t attribute = 10 + static_cast<uint32_t>(rng_.Below(kAttributeCount - 10));
    const bool deleted = rng_.Chance(0.2);
    population_.attributes.push_back({time, population_.ids[machine_],
                                      static_cast<uint16_t>(attribute), deleted,
                                      deleted ? AttributeValue{} : DrawValue(attribute)});
  }

  const TraceShape& shape_;
  MachinePopulation& population_;
  Random& rng_;
  uint32_t machine_ = 0;
  double cpus_ = 0;
  double memory_ = 0;
  uint8_t platform_ = 0;
};

}  // namespace

uint64_t PlatformHashKey(uint8_t platform) { return HashKeys({kPlatformTag, platform}); }

uint64_t AttributeNameKey(uint64_t seed, uint32_t attribute) {
  return HashKeys({seed, kAttributeNameTag, attribute});
}

uint64_t AttributeValueKey(uint64_t seed, uint32_t attribute, uint32_t value) {
  return HashKeys({seed, kAttributeValueTag, attribute, value});
}

AttributeValue::Kind AttributeKind(uint32_t attribute) {
  if (attribute < 25) return AttributeValue::kHash;
  if (attribute < 35) return AttributeValue::kInteger;
  return AttributeValue::kEmpty;  // presence-only attributes
}

uint32_t AttributeValueRange(uint32_t attribute) {
  return attribute < 25 ? 2 + attribute % 7 : attribute < 35 ? attribute - 22 : 1;
}

MachinePopulation GenerateMachines(const TraceShape& shape) {
  Random rng(HashKeys({shape.seed, kMachinesTag}));
  const uint32_t count = shape.machine_count;
  const auto late = static_cast<uint32_t>(
      std::clamp<int64_t>(std::llround(kLateMachineShare * count), 1, count / 4));
  const auto empty_first_add =
      static_cast<uint32_t>(std::max<int64_t>(1, std::llround(kEmptyFirstAddShare * late)));
  const auto removed_for_good =
      static_cast<uint32_t>(std::max<int64_t>(1, std::llround(kRemovedForGoodShare * count)));
  const uint32_t initial = count - late;

  MachinePopulation population;
  // Machines present at time 0 have ids spread over 1 .. 5e9, those added
  // later higher ids in the order they arrive, as in the real cell.
  population.ids = UniqueSortedIds(rng, initial, 1, 5e9, /*log_uniform=*/true);
  for (uint64_t id : UniqueSortedIds(rng, late, 6.2e9, 6.5e9, /*log_uniform=*/false)) {
    population.ids.push_back(id);
  }
  std::vector<int64_t> late_times(late);
  for (int64_t& time : late_times) {
    time = static_cast<int64_t>(rng.Uniform(kWindowStart, shape.end_time - 600 * kMicrosPerSecond));
  }
  std::sort(late_times.begin(), late_times.end());

  // Removed for good: machines present at time 0, picked at random.
  std::vector<bool> removed(count, false);
  for (uint32_t i = 0; i < removed_for_good && i < initial; ++i) {
    removed[rng.Below(initial)] = true;
  }
  MachineBuilder builder(shape, population, rng);
  for (uint32_t machine = 0; machine < count; ++machine) {
    const bool is_late = machine >= initial;
    const int64_t first_add = is_late ? late_times[machine - initial] : 0;
    builder.Build(machine, first_add, is_late && machine - initial < empty_first_add,
                  removed[machine]);
  }
  // Trace order: by time, then by machine (stable: generation order).
  std::stable_sort(
      population.events.begin(), population.events.end(),
      [](const MachineEventRow& a, const MachineEventRow& b) { return a.time < b.time; });
  std::stable_sort(
      population.attributes.begin(), population.attributes.end(),
      [](const MachineAttributeRow& a, const MachineAttributeRow& b) { return a.time < b.time; });
  return population;
}

}  // namespace borgscope::gen
