#include "gen/table_writers.h"

#include <cstring>
#include <filesystem>

#include "errors.h"

namespace borgscope::gen {
namespace {

char* Comma(char* out) {
  *out = ',';
  return out + 1;
}

// A small optional integer (missing_info, different_machines_restriction).
char* AppendOptional(char* out, int8_t value) {
  if (value == kEmptyField) return out;
  return AppendUnsigned(out, static_cast<uint64_t>(value));
}

char* AppendMachine(char* out, uint64_t machine_id) {
  return machine_id == kNoMachine ? out : AppendUnsigned(out, machine_id);
}

char* AppendAttributeValue(char* out, uint64_t seed, uint32_t attribute, int8_t kind,
                           uint32_t value) {
  switch (kind) {
    case AttributeValue::kInteger:
      return AppendUnsigned(out, value);
    case AttributeValue::kHash:
      return AppendHash(out, AttributeValueKey(seed, attribute, value));
    default:
      return out;
  }
}

}  // namespace

CsvShardWriter::CsvShardWriter(std::string path)
    : path_(std::move(path)),
      temporary_path_(path_ + ".tmp"),
      gzip_(temporary_path_),
      buffer_(std::make_unique<char[]>(kBufferSize)) {}

void CsvShardWriter::Flush() {
  gzip_.Write(std::string_view(buffer_.get(), size_));
  stats_.uncompressed_bytes += size_;
  size_ = 0;
}

CsvShardWriter::~CsvShardWriter() {
  if (finished_) return;
  std::error_code ignored;  // an abandoned shard leaves nothing behind
  std::filesystem::remove(temporary_path_, ignored);
}

ShardStats CsvShardWriter::Finish() {
  finished_ = true;
  Flush();
  gzip_.Close();
  std::error_code error;
  std::filesystem::rename(temporary_path_, path_, error);
  if (error) throw IoError("cannot rename " + temporary_path_ + ": " + error.message());
  stats_.compressed_bytes = std::filesystem::file_size(path_, error);
  if (error) throw IoError("cannot stat " + path_ + ": " + error.message());
  return stats_;
}

ShardStats WriteMachineEvents(const std::string& path, const MachinePopulation& machines) {
  CsvShardWriter writer(path);
  for (const MachineEventRow& row : machines.events) {
    char* out = writer.BeginRow();
    out = Comma(AppendUnsigned(out, static_cast<uint64_t>(row.time)));
    out = Comma(AppendUnsigned(out, row.machine_id));
    out = Comma(AppendUnsigned(out, row.event_type));
    out = Comma(AppendHash(out, PlatformHashKey(row.platform)));
    out = Comma(AppendDecimal(out, row.cpus));
    out = AppendDecimal(out, row.memory);
    writer.EndRow(out);
  }
  return writer.Finish();
}

ShardStats WriteMachineAttributes(const std::string& path, uint64_t seed,
                                  const MachinePopulation& machines) {
  CsvShardWriter writer(path);
  for (const MachineAttributeRow& row : machines.attributes) {
    char* out = writer.BeginRow();
    out = Comma(AppendUnsigned(out, static_cast<uint64_t>(row.time)));
    out = Comma(AppendUnsigned(out, row.machine_id));
    out = Comma(AppendHash(out, AttributeNameKey(seed, row.attribute)));
    out = Comma(AppendAttributeValue(out, seed, row.attribute, row.value.kind, row.value.value));
    out = AppendUnsigned(out, row.deleted ? 1 : 0);
    writer.EndRow(out);
  }
  return writer.Finish();
}

ShardStats WriteJobEvents(const std::string& path, uint64_t seed,
                          const std::vector<JobEventRow>& rows) {
  CsvShardWriter writer(path);
  for (const JobEventRow& row : rows) {
    char* out = writer.BeginRow();
    out = Comma(AppendUnsigned(out, static_cast<uint64_t>(row.time)));
    out = Comma(AppendOptional(out, row.missing_info));
    out = Comma(AppendUnsigned(out, row.job_id));
    out = Comma(AppendUnsigned(out, row.event_type));
    out = Comma(AppendHash(out, UserKey(seed, row.user)));
    out = Comma(AppendUnsigned(out, row.scheduling_class));
    out = Comma(AppendHash(out, JobNameKey(seed, row.job_id)));
    out = AppendHash(out, LogicalNameKey(seed, row.user, row.logical_name));
    writer.EndRow(out);
  }
  return writer.Finish();
}

ShardStats WriteTaskEvents(const std::string& path, uint64_t seed,
                           const std::vector<TaskEventRow>& rows) {
  CsvShardWriter writer(path);
  // Consecutive rows mostly share a user: keep its hash text.
  uint32_t cached_user = UINT32_MAX;
  char user_hash[kHashChars];
  for (const TaskEventRow& row : rows) {
    if (row.user != cached_user) {
      AppendHash(user_hash, UserKey(seed, row.user));
      cached_user = row.user;
    }
    char* out = writer.BeginRow();
    out = Comma(AppendUnsigned(out, static_cast<uint64_t>(row.time)));
    out = Comma(AppendOptional(out, row.missing_info));
    out = Comma(AppendUnsigned(out, row.job_id));
    out = Comma(AppendUnsigned(out, row.task_index));
    out = Comma(AppendMachine(out, row.machine_id));
    out = Comma(AppendUnsigned(out, row.event_type));
    std::memcpy(out, user_hash, kHashChars);
    out = Comma(out + kHashChars);
    out = Comma(AppendUnsigned(out, row.scheduling_class));
    out = Comma(AppendUnsigned(out, row.priority));
    out = Comma(AppendDecimal(out, row.cpu_request));
    out = Comma(AppendDecimal(out, row.memory_request));
    out = Comma(AppendDecimal(out, row.disk_request));
    out = AppendOptional(out, row.different_machines);
    writer.EndRow(out);
  }
  return writer.Finish();
}

ShardStats WriteTaskConstraints(const std::string& path, uint64_t seed,
                                const std::vector<ConstraintRow>& rows) {
  CsvShardWriter writer(path);
  for (const ConstraintRow& row : rows) {
    char* out = writer.BeginRow();
    out = Comma(AppendUnsigned(out, static_cast<uint64_t>(row.time)));
    out = Comma(AppendUnsigned(out, row.job_id));
    out = Comma(AppendUnsigned(out, row.task_index));
    out = Comma(AppendUnsigned(out, row.comparison));
    out = Comma(AppendHash(out, AttributeNameKey(seed, row.attribute)));
    out = AppendAttributeValue(out, seed, row.attribute, row.value_kind, row.value);
    writer.EndRow(out);
  }
  return writer.Finish();
}

}  // namespace borgscope::gen
