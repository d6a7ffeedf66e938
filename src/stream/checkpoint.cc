#include "stream/checkpoint.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/wire.h"
#include "errors.h"

namespace borgscope {
namespace {

constexpr uint64_t kMagic = 0x3130'5450'4b43'5342;  // "BSCKPT01" little-endian

// FNV-1a: catches a damaged file (the rename makes torn writes impossible).
uint64_t Checksum(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325;
  for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3;
  return hash;
}

void WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

void SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  int result = ::fsync(fd);
  ::close(fd);
  if (result != 0) throw IoError(fmt::format("cannot fsync {}: {}", path, std::strerror(errno)));
}

}  // namespace

std::string CheckpointPath(const std::string& dir) {
  return (std::filesystem::path(dir) / "stream.checkpoint").string();
}

void WriteCheckpoint(const std::string& dir, const Checkpoint& checkpoint) {
  std::filesystem::create_directories(dir);
  WireWriter out;
  out.Put(kMagic);
  out.PutBytes(checkpoint.state);
  out.Put<uint64_t>(checkpoint.offsets.size());
  for (const auto& [partition, offset] : checkpoint.offsets) {
    out.PutBytes(partition.first);
    out.Put(partition.second);
    out.Put(offset);
  }
  std::string bytes = out.Take();
  const uint64_t checksum = Checksum(bytes);
  bytes.append(reinterpret_cast<const char*>(&checksum), sizeof(checksum));

  const std::string path = CheckpointPath(dir);
  const std::string temporary = path + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("cannot create {}: {}", temporary, std::strerror(errno)));
  try {
    WriteAll(fd, bytes, temporary);
    if (::fsync(fd) != 0) {
      throw IoError(fmt::format("cannot fsync {}: {}", temporary, std::strerror(errno)));
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    throw IoError(fmt::format("cannot rename {} to {}: {}", temporary, path, std::strerror(errno)));
  }
  // The rename itself is durable only once the folder is synced.
  SyncPath(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

std::optional<Checkpoint> ReadCheckpoint(const std::string& dir) {
  const std::string path = CheckpointPath(dir);
  // Only a checkpoint that is not there is "none": one that exists and cannot
  // be read would otherwise be overwritten by counts started from zero.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  const auto unreadable = [&path](int error) {
    return IoError(fmt::format("cannot read checkpoint {}: {}", path, std::strerror(error)));
  };
  if (fd < 0) throw unreadable(errno);
  std::string bytes;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw unreadable(error);
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  const auto damaged = [&path](std::string_view why) {
    return DataError(
        fmt::format("checkpoint {} is damaged ({}); move it away to start afresh", path, why));
  };
  if (bytes.size() < 2 * sizeof(uint64_t)) throw damaged("too short");
  uint64_t checksum;
  std::memcpy(&checksum, bytes.data() + bytes.size() - sizeof(checksum), sizeof(checksum));
  const std::string_view body(bytes.data(), bytes.size() - sizeof(checksum));
  if (Checksum(body) != checksum) throw damaged("checksum mismatch");
  try {
    WireReader in(body);
    if (in.Get<uint64_t>() != kMagic) throw damaged("not a borgscope checkpoint");
    Checkpoint checkpoint;
    checkpoint.state = std::string(in.GetBytes());
    for (uint64_t i = 0, n = in.GetCount(20); i < n; ++i) {
      std::string topic(in.GetBytes());
      int32_t partition = in.Get<int32_t>();
      checkpoint.offsets[{topic, partition}] = in.Get<int64_t>();
    }
    if (!in.AtEnd()) throw damaged("trailing bytes");
    return checkpoint;
  } catch (const InternalError& error) {
    throw damaged(error.what());
  }
}

}  // namespace borgscope
