#pragma once
// The stream's checkpoint: its serialized StreamState together with the
// offsets that state covers (the next offset to read per topic partition),
// written atomically (temporary file, fsync, rename, fsync of the folder), so
// that after a crash — even kill -9 — the file is either the previous
// checkpoint or the new one, never a mix. A restart seeks every partition to
// its offset here: events after it are read again, and events before it are
// in the state, so none is lost or counted twice.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace borgscope {

using PartitionOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;  // (topic, partition)

struct Checkpoint {
  std::string state;  // StreamState::Serialize bytes
  PartitionOffsets offsets;
};

// <dir>/stream.checkpoint
std::string CheckpointPath(const std::string& dir);

void WriteCheckpoint(const std::string& dir, const Checkpoint& checkpoint);

// nullopt when there is none; DataError when it is damaged; IoError naming
// it when it exists but cannot be read (permissions, a folder in its place).
std::optional<Checkpoint> ReadCheckpoint(const std::string& dir);

}  // namespace borgscope
