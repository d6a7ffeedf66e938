#include "engine/spill_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "engine/process_usage.h"
#include "engine/wire.h"
#include "errors.h"

namespace borgscope {
namespace {

constexpr std::string_view kFolderPrefix = "borgscope-spill-";
// Partitions serialized per pass over a state: a pass holds half of the
// state's wire form at most, for two passes over its entries (each pass
// walks the whole hash map: more passes cost more than the memory saves).
constexpr size_t kPartitionsPerPass = 32;

struct RecordHeader {
  uint32_t analysis;
  uint32_t unused = 0;
  uint64_t bytes;
};

// What the signal handler removes: the paths of the live store's files, then
// its folder (null-terminated list). Set while a store exists.
std::atomic<const char* const*> cleanup_paths{nullptr};
struct sigaction previous_int, previous_term;

void RemoveOnSignal(int signal_number) {
  if (const char* const* paths = cleanup_paths.exchange(nullptr)) {
    for (; paths[1] != nullptr; ++paths) unlink(paths[0]);  // async-signal-safe
    rmdir(paths[0]);
  }
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
  raise(signal_number);
}

std::vector<const char*>& CleanupList() {
  static std::vector<const char*> list;
  return list;
}

// Folders left by processes that no longer run (killed with SIGKILL).
void RemoveStaleFolders(const std::string& root) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kFolderPrefix)) continue;
    const int pid = std::atoi(name.c_str() + kFolderPrefix.size());
    if (pid <= 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove_all(entry.path(), error);
  }
}

}  // namespace

std::string SpillRoot(const std::string& temp_dir) {
  if (!temp_dir.empty()) return temp_dir;
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

SpillStore::SpillStore(Options options) : disk_bytes_(options.disk_bytes) {
  if (options.partitions == 0) throw InternalError("a spill store needs partitions");
  root_ = SpillRoot(options.temp_dir);
  const std::string& root = root_;
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) {
    throw IoError(fmt::format("temp dir {} for spill files is not a folder", root));
  }
  RemoveStaleFolders(root);
  std::string pattern =
      (std::filesystem::path(root) / fmt::format("{}{}-XXXXXX", kFolderPrefix, getpid())).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw IoError(
        fmt::format("cannot create a spill folder in {}: {}", root, std::strerror(errno)));
  }
  folder_ = pattern;
  for (size_t p = 0; p < options.partitions; ++p) {
    partition_paths_.push_back(
        (std::filesystem::path(folder_) / fmt::format("partition-{:04}.spill", p)).string());
  }
  std::vector<const char*>& list = CleanupList();
  list.clear();
  for (const std::string& path : partition_paths_) list.push_back(path.c_str());
  list.push_back(folder_.c_str());
  list.push_back(nullptr);
  cleanup_paths.store(list.data());
  struct sigaction action {};
  action.sa_handler = RemoveOnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
  for (const std::string& path : partition_paths_) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      const int saved = errno;
      RemoveAll();
      throw IoError(fmt::format("cannot create spill file {}: {}", path, std::strerror(saved)));
    }
    descriptors_.push_back(fd);
  }
  metrics_.files = partition_paths_.size();
  metrics_.partitions = partition_paths_.size();
}

SpillStore::~SpillStore() { RemoveAll(); }

void SpillStore::RemoveAll() noexcept {
  if (cleanup_paths.exchange(nullptr) != nullptr) {
    sigaction(SIGINT, &previous_int, nullptr);
    sigaction(SIGTERM, &previous_term, nullptr);
  }
  for (int fd : descriptors_) close(fd);
  descriptors_.clear();
  std::error_code error;
  if (!folder_.empty()) std::filesystem::remove_all(folder_, error);
}

void SpillStore::Spill(uint32_t analysis, const AnalysisState& state) {
  const auto start = std::chrono::steady_clock::now();
  const size_t parts = partitions();
  for (size_t first = 0; first < parts; first += kPartitionsPerPass) {
    const size_t last = std::min(parts, first + kPartitionsPerPass);
    std::vector<WireWriter> writers(parts);
    for (size_t p = 0; p < parts; ++p) {
      if (p < first || p >= last) writers[p].SkipEntries();
    }
    state.SerializePartitions(writers);
    std::lock_guard lock(mutex_);
    for (size_t p = first; p < last; ++p) Append(p, analysis, writers[p].bytes());
  }
  std::lock_guard lock(mutex_);
  ++metrics_.spills;
  metrics_.spill_seconds += SecondsSince(start);
}

void SpillStore::AppendRecord(size_t part, uint32_t analysis, std::string_view bytes) {
  if (part >= partitions()) throw InternalError("a spill record of a partition out of range");
  std::lock_guard lock(mutex_);
  Append(part, analysis, bytes);
}

void SpillStore::Append(size_t part, uint32_t analysis, std::string_view bytes) {
  RecordHeader header{analysis, 0, bytes.size()};
  const uint64_t needed = sizeof(header) + bytes.size();
  auto fail = [&](int error) {
    throw IoError(fmt::format(
        "cannot write {} bytes of spilled state to {} ({} spilled before it; temp dir {}, "
        "--temp-dir to choose another): {}",
        needed, partition_paths_[part], metrics_.spilled_bytes, root_, std::strerror(error)));
  };
  if (metrics_.spilled_bytes + needed > disk_bytes_) fail(ENOSPC);
  iovec pieces[2] = {{&header, sizeof(header)}, {const_cast<char*>(bytes.data()), bytes.size()}};
  uint64_t written = 0;
  while (written < needed) {
    ssize_t n = writev(descriptors_[part], pieces, 2);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    if (n == 0) fail(ENOSPC);
    written += static_cast<uint64_t>(n);
    // Step over what was written (a short write on a nearly full disk).
    for (iovec& piece : pieces) {
      const size_t step = std::min<size_t>(piece.iov_len, static_cast<size_t>(n));
      piece.iov_base = static_cast<char*>(piece.iov_base) + step;
      piece.iov_len -= step;
      n -= static_cast<ssize_t>(step);
    }
  }
  metrics_.spilled_bytes += needed;
}

void SpillStore::ReadPartition(size_t part, const std::function<bool(uint32_t)>& wanted,
                               const std::function<void(uint32_t, std::string_view)>& fn) {
  const auto start = std::chrono::steady_clock::now();
  const std::string& path = partition_paths_.at(part);
  auto fail = [&](const std::string& what) {
    throw IoError(fmt::format("cannot read spill file {}: {}", path, what));
  };
  const int fd = descriptors_[part];
  off_t offset = 0;
  uint64_t read = 0;
  std::string buffer;
  for (;;) {
    RecordHeader header{};
    ssize_t n = pread(fd, &header, sizeof(header), offset);
    if (n == 0) break;
    if (n != static_cast<ssize_t>(sizeof(header))) fail(n < 0 ? std::strerror(errno) : "truncated");
    offset += static_cast<off_t>(sizeof(header));
    if (!wanted(header.analysis)) {
      offset += static_cast<off_t>(header.bytes);
      continue;
    }
    buffer.resize(header.bytes);
    for (uint64_t done = 0; done < header.bytes;) {
      n = pread(fd, buffer.data() + done, header.bytes - done, offset + static_cast<off_t>(done));
      if (n <= 0) fail(n < 0 ? std::strerror(errno) : "truncated");
      done += static_cast<uint64_t>(n);
    }
    offset += static_cast<off_t>(header.bytes);
    read += header.bytes;
    fn(header.analysis, buffer);
  }
  std::lock_guard lock(mutex_);
  metrics_.read_bytes += read;
  metrics_.read_seconds += SecondsSince(start);
}

SpillMetrics SpillStore::metrics() const {
  std::lock_guard lock(mutex_);
  return metrics_;
}

}  // namespace borgscope
