#pragma once
// The synthetic cell's machines: ids, capacities and platforms in the real
// cell's proportions, and their life over the trace — added at time 0 or
// later (some with an empty first ADD that an UPDATE completes), capacity
// UPDATEs, maintenance REMOVE→ADD cycles from minutes to days, a few removed
// for good — plus their attributes (machine_attributes).

#include <cstdint>
#include <vector>

#include "gen/csv_text.h"
#include "gen/trace_shape.h"

namespace borgscope::gen {

// Platforms of the real cell: the 0.5-CPU one, the 1-CPU one, the 0.25-CPU
// one, and the placeholder of machines whose first ADD has no capacity.
inline constexpr int kPlatformCount = 4;
uint64_t PlatformHashKey(uint8_t platform);

struct MachineEventRow {
  int64_t time = 0;
  uint64_t machine_id = 0;
  uint32_t machine = 0;    // index into MachinePopulation::ids
  uint8_t event_type = 0;  // MachineEventType
  uint8_t platform = 0;
  Decimal4 cpus;
  Decimal4 memory;
};

// An attribute value is an integer or a hash (STRING_HASH_OR_INTEGER), or empty.
struct AttributeValue {
  enum Kind : uint8_t { kEmpty, kInteger, kHash };
  Kind kind = kEmpty;
  uint32_t value = 0;  // the integer, or the key of the hash
};
inline constexpr int kAttributeCount = 40;
// attribute_name hash of attribute `attribute` (0 .. kAttributeCount-1).
uint64_t AttributeNameKey(uint64_t seed, uint32_t attribute);
uint64_t AttributeValueKey(uint64_t seed, uint32_t attribute, uint32_t value);
// What kind of values attribute `attribute` takes, and how many distinct ones.
AttributeValue::Kind AttributeKind(uint32_t attribute);
uint32_t AttributeValueRange(uint32_t attribute);

struct MachineAttributeRow {
  int64_t time = 0;
  uint64_t machine_id = 0;
  uint16_t attribute = 0;
  bool deleted = false;
  AttributeValue value;
};

struct MachinePopulation {
  std::vector<uint64_t> ids;                    // by machine index
  std::vector<MachineEventRow> events;          // in trace order
  std::vector<MachineAttributeRow> attributes;  // in trace order
};

MachinePopulation GenerateMachines(const TraceShape& shape);

}  // namespace borgscope::gen
