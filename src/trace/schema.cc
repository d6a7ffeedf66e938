#include "trace/schema.h"

namespace borgscope {
namespace {

using enum ColumnType;

// From ../shared/data/clusterdata-2011-2-schema.csv (Google's schema.csv).
constexpr ColumnSpec kMachineEventsColumns[] = {
    {"time", kInteger, true},       {"machine_id", kInteger, true},
    {"event_type", kEnum, true, 2}, {"platform_id", kStringHash, false},
    {"cpus", kFloat, false},        {"memory", kFloat, false},
};
constexpr ColumnSpec kMachineAttributesColumns[] = {
    {"time", kInteger, true},
    {"machine_id", kInteger, true},
    {"attribute_name", kStringHash, true},
    {"attribute_value", kStringHashOrInteger, false},
    {"attribute_deleted", kBoolean, true},
};
constexpr ColumnSpec kJobEventsColumns[] = {
    {"time", kInteger, true},         {"missing_info", kEnum, false, 2},
    {"job_id", kInteger, true},       {"event_type", kEnum, true, 8},
    {"user", kStringHash, false},     {"scheduling_class", kInteger, false},
    {"job_name", kStringHash, false}, {"logical_job_name", kStringHash, false},
};
constexpr ColumnSpec kTaskEventsColumns[] = {
    {"time", kInteger, true},
    {"missing_info", kEnum, false, 2},
    {"job_id", kInteger, true},
    {"task_index", kInteger, true},
    {"machine_id", kInteger, false},
    {"event_type", kEnum, true, 8},
    {"user", kStringHash, false},
    {"scheduling_class", kInteger, false},
    {"priority", kInteger, true},
    {"cpu_request", kFloat, false},
    {"memory_request", kFloat, false},
    {"disk_request", kFloat, false},
    {"different_machines_restriction", kBoolean, false},
};
constexpr ColumnSpec kTaskConstraintsColumns[] = {
    {"time", kInteger, true},
    {"job_id", kInteger, true},
    {"task_index", kInteger, true},
    {"comparison_operator", kEnum, true, 3},
    {"attribute_name", kStringHash, true},
    {"attribute_value", kStringHashOrInteger, false},
};
constexpr ColumnSpec kTaskUsageColumns[] = {
    {"start_time", kInteger, true},
    {"end_time", kInteger, true},
    {"job_id", kInteger, true},
    {"task_index", kInteger, true},
    {"machine_id", kInteger, true},
    {"cpu_rate", kFloat, false},
    {"canonical_memory_usage", kFloat, false},
    {"assigned_memory", kFloat, false},
    {"unmapped_page_cache", kFloat, false},
    {"total_page_cache", kFloat, false},
    {"max_memory", kFloat, false},
    {"disk_io_time", kFloat, false},
    {"local_disk_space", kFloat, false},
    {"max_cpu_rate", kFloat, false},
    {"max_disk_io_time", kFloat, false},
    {"cpi", kFloat, false},
    {"mai", kFloat, false},
    {"sample_portion", kFloat, false},
    {"aggregation_type", kBoolean, false},
    {"sampled_cpu_usage", kFloat, false},
};

constexpr TableSpec kSpecs[kTableCount] = {
    {Table::kMachineEvents, "machine_events", kMachineEventsColumns},
    {Table::kMachineAttributes, "machine_attributes", kMachineAttributesColumns},
    {Table::kJobEvents, "job_events", kJobEventsColumns},
    {Table::kTaskEvents, "task_events", kTaskEventsColumns},
    {Table::kTaskConstraints, "task_constraints", kTaskConstraintsColumns},
    {Table::kTaskUsage, "task_usage", kTaskUsageColumns},
};

constexpr std::string_view kEventTypeNames[kEventTypeCount] = {
    "SUBMIT", "SCHEDULE", "EVICT",          "FAIL",          "FINISH",
    "KILL",   "LOST",     "UPDATE_PENDING", "UPDATE_RUNNING"};

}  // namespace

const TableSpec& Spec(Table table) { return kSpecs[static_cast<int>(table)]; }

std::string_view TableName(Table table) { return Spec(table).name; }

std::optional<Table> TableFromName(std::string_view name) {
  for (const TableSpec& spec : kSpecs) {
    if (spec.name == name) return spec.table;
  }
  return std::nullopt;
}

std::string_view EventTypeName(int64_t event_type) {
  if (event_type < 0 || event_type >= kEventTypeCount) return "UNKNOWN";
  return kEventTypeNames[event_type];
}

}  // namespace borgscope
