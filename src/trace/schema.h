#pragma once
// The six tables of clusterdata-2011-2 (Google's schema.csv), typed.
//
// Every numeric field is decoded to int64_t: times and ids as integers (parsed
// as unsigned 64-bit; the largest legal value is 2^63-1, "after the window"),
// FLOAT fields as fixed-point in units of 1e-12 (kFixedOne) so that sums are
// exact and independent of order. An empty optional field decodes to kNull.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace borgscope {

enum class Table : uint8_t {
  kMachineEvents,
  kMachineAttributes,
  kJobEvents,
  kTaskEvents,
  kTaskConstraints,
  kTaskUsage,
};
inline constexpr int kTableCount = 6;
// Tables in the order a scan reads them: machines before tasks, task requests
// before usage, so later tables may use what earlier ones established.
inline constexpr std::array<Table, kTableCount> kAllTables = {
    Table::kMachineEvents, Table::kMachineAttributes, Table::kJobEvents,
    Table::kTaskEvents,    Table::kTaskConstraints,   Table::kTaskUsage};

enum class ColumnType : uint8_t {
  kInteger,     // unsigned 64-bit decimal (times, ids, indices, classes)
  kEnum,        // small integer in [0, enum_max]
  kFloat,       // decimal or scientific notation -> fixed point 1e-12
  kBoolean,     // 0 or 1
  kStringHash,  // opaque text (base64 hash); never decoded to a number
  kStringHashOrInteger,
};

struct ColumnSpec {
  std::string_view name;
  ColumnType type;
  bool mandatory;
  int64_t enum_max = 0;  // for kEnum
};

struct TableSpec {
  Table table;
  std::string_view name;  // folder name in the trace, e.g. "task_events"
  std::span<const ColumnSpec> columns;
};

inline constexpr int kMaxColumns = 20;
inline constexpr int64_t kNull = INT64_MIN;
inline constexpr int64_t kFixedOne = 1'000'000'000'000;  // 1.0 as fixed point
inline constexpr int64_t kTimeAfterWindow = INT64_MAX;   // 2^63-1

const TableSpec& Spec(Table table);
std::string_view TableName(Table table);
std::optional<Table> TableFromName(std::string_view name);

// Event types of job_events and task_events.
enum class EventType : uint8_t {
  kSubmit = 0,
  kSchedule = 1,
  kEvict = 2,
  kFail = 3,
  kFinish = 4,
  kKill = 5,
  kLost = 6,
  kUpdatePending = 7,
  kUpdateRunning = 8,
};
inline constexpr int kEventTypeCount = 9;
std::string_view EventTypeName(int64_t event_type);  // "SUBMIT", ...

enum class MachineEventType : uint8_t { kAdd = 0, kRemove = 1, kUpdate = 2 };

// Column indices, named as in DESIGN.md section 1.
namespace machine_events {
inline constexpr int kTime = 0, kMachineId = 1, kEventType = 2, kPlatformId = 3, kCpus = 4,
                     kMemory = 5;
}
namespace machine_attributes {
inline constexpr int kTime = 0, kMachineId = 1, kAttributeName = 2, kAttributeValue = 3,
                     kAttributeDeleted = 4;
}
namespace job_events {
inline constexpr int kTime = 0, kMissingInfo = 1, kJobId = 2, kEventType = 3, kUser = 4,
                     kSchedulingClass = 5, kJobName = 6, kLogicalJobName = 7;
}
namespace task_events {
inline constexpr int kTime = 0, kMissingInfo = 1, kJobId = 2, kTaskIndex = 3, kMachineId = 4,
                     kEventType = 5, kUser = 6, kSchedulingClass = 7, kPriority = 8,
                     kCpuRequest = 9, kMemoryRequest = 10, kDiskRequest = 11,
                     kDifferentMachinesRestriction = 12;
}
namespace task_constraints {
inline constexpr int kTime = 0, kJobId = 1, kTaskIndex = 2, kComparisonOperator = 3,
                     kAttributeName = 4, kAttributeValue = 5;
}
namespace task_usage {
inline constexpr int kStartTime = 0, kEndTime = 1, kJobId = 2, kTaskIndex = 3, kMachineId = 4,
                     kCpuRate = 5, kCanonicalMemoryUsage = 6, kAssignedMemory = 7,
                     kUnmappedPageCache = 8, kTotalPageCache = 9, kMaxMemory = 10, kDiskIoTime = 11,
                     kLocalDiskSpace = 12, kMaxCpuRate = 13, kMaxDiskIoTime = 14, kCpi = 15,
                     kMai = 16, kSamplePortion = 17, kAggregationType = 18, kSampledCpuUsage = 19;
}

}  // namespace borgscope
