#include "io/fetch_shard.h"

#include <fmt/core.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "errors.h"

namespace borgscope {

namespace fs = std::filesystem;

namespace {

struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

std::optional<FileStamp> Stamp(const fs::path& path) {
  std::error_code ec;
  uint64_t size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  fs::file_time_type time = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  auto mtime = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch());
  return FileStamp{size, static_cast<int64_t>(mtime.count())};
}

uint64_t SizeOrZero(const fs::path& path) {
  std::optional<FileStamp> stamp = Stamp(path);
  return stamp ? stamp->size : 0;
}

void RemoveFile(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot remove: {}", path.string(), ec.message()));
}

// The sidecar vouches for a file when it records the digest SHA256SUM asks
// for and the file's current size and mtime: the file is then the one that
// was verified, and hashing it again (41 GB for the whole trace) is skipped.
bool SidecarVouches(const fs::path& final_path, const std::string& expected) {
  std::ifstream in(SidecarPath(final_path));
  std::string digest;
  FileStamp recorded;
  if (!(in >> digest >> recorded.size >> recorded.mtime_ns)) return false;
  std::optional<FileStamp> stamp = Stamp(final_path);
  return stamp && digest == expected && stamp->size == recorded.size &&
         stamp->mtime_ns == recorded.mtime_ns;
}

// Best effort: without a sidecar the next run hashes the file instead.
void WriteSidecar(const fs::path& final_path, const std::string& digest) {
  std::optional<FileStamp> stamp = Stamp(final_path);
  if (!stamp) return;
  fs::path sidecar = SidecarPath(final_path);
  fs::path temporary = sidecar.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << digest << ' ' << stamp->size << ' ' << stamp->mtime_ns << '\n';
    if (!out.good()) return;
  }
  std::error_code ec;
  fs::rename(temporary, sidecar, ec);
}

void Install(const fs::path& part, const fs::path& final_path, const std::string& digest) {
  std::error_code ec;
  fs::rename(part, final_path, ec);
  if (ec) {
    throw IoError(fmt::format("{}: cannot rename to {}: {}", part.string(),
                              final_path.filename().string(), ec.message()));
  }
  WriteSidecar(final_path, digest);
}

// The body of one attempt, appended to the .part (206 from its end) or
// written over it (200), hashed as it arrives.
class PartFile : public BodySink {
 public:
  PartFile(fs::path path, uint64_t offset, FetchCounters& counters)
      : path_(std::move(path)), offset_(offset), counters_(counters) {}
  ~PartFile() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  bool Begin(long status, std::optional<uint64_t> range_start) override {
    if (status == 206) {
      if (range_start != offset_) {
        range_mismatch_ = true;
        return false;
      }
      // The bytes already on disk count toward the digest.
      if (offset_ > 0) HashFile(path_.string(), hasher_, offset_);
      resumed_ = offset_ > 0;
      file_ = std::fopen(path_.c_str(), "ab");
    } else {
      file_ = std::fopen(path_.c_str(), "wb");  // the server sent it all: start over
    }
    if (file_ == nullptr) {
      throw IoError(
          fmt::format("{}: cannot open for writing: {}", path_.string(), std::strerror(errno)));
    }
    return true;
  }

  void Write(std::string_view bytes) override {
    hasher_.Update(bytes);
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      throw IoError(fmt::format("{}: write failed: {}", path_.string(), std::strerror(errno)));
    }
    received_ += bytes.size();
    counters_.bytes_received += bytes.size();
  }

  // Closes the file; returns the digest of all of it when a body arrived.
  std::optional<std::string> Close() {
    if (file_ == nullptr) return std::nullopt;
    int status = std::fclose(file_);
    file_ = nullptr;
    if (status != 0) {
      throw IoError(fmt::format("{}: write failed: {}", path_.string(), std::strerror(errno)));
    }
    return hasher_.FinishHex();
  }

  bool resumed() const { return resumed_; }
  bool range_mismatch() const { return range_mismatch_; }
  uint64_t received() const { return received_; }

 private:
  fs::path path_;
  uint64_t offset_;
  FetchCounters& counters_;
  std::FILE* file_ = nullptr;
  Sha256 hasher_;
  bool resumed_ = false;
  bool range_mismatch_ = false;
  uint64_t received_ = 0;
};

// True when a verified copy is in place (the stale .part of an older run is
// removed then). A copy that does not match is removed, so that `analyze`
// never reads it, and `note` says so.
bool AlreadyVerified(const fs::path& final_path, const std::string& expected, std::string& note) {
  std::error_code ec;
  if (!fs::exists(final_path, ec)) return false;
  bool vouched = SidecarVouches(final_path, expected);
  if (vouched || Sha256OfFile(final_path.string()) == expected) {
    if (!vouched) WriteSidecar(final_path, expected);
    RemoveFile(PartPath(final_path));
    return true;
  }
  RemoveFile(final_path);
  RemoveFile(SidecarPath(final_path));
  note = "the local copy did not match SHA256SUM and was downloaded again";
  return false;
}

}  // namespace

fs::path PartPath(const fs::path& final_path) { return final_path.string() + ".part"; }

fs::path SidecarPath(const fs::path& final_path) {
  // fmt rather than "." + name: GCC 12 warns falsely (-Wrestrict) on the latter.
  return final_path.parent_path() / fmt::format(".{}.sha256", final_path.filename().string());
}

ShardOutcome FetchShard(HttpSession& session, const ShardTarget& target, const RetryPolicy& retry,
                        FetchCounters& counters) {
  ShardOutcome outcome;
  outcome.shard = target.shard;
  const fs::path& final_path = target.final_path;
  const fs::path part = PartPath(final_path);
  const std::string& expected = target.shard.sha256;
  auto downloaded = [&] {
    Install(part, final_path, expected);
    outcome.status = ShardStatus::kDownloaded;
    counters.files_downloaded += 1;
    counters.bytes_of_downloaded_files += outcome.bytes_received;
    return outcome;
  };
  try {
    if (AlreadyVerified(final_path, expected, outcome.note)) {
      outcome.status = ShardStatus::kAlreadyVerified;
      return outcome;
    }
    std::string last_error;
    bool last_transient = false;
    for (int attempt = 0; attempt <= retry.retries; ++attempt) {
      if (attempt > 0) retry.SleepBefore(attempt);
      const uint64_t offset = SizeOrZero(part);
      PartFile body(part, offset, counters);
      HttpResult result = session.Get(target.url, offset, body);
      std::optional<std::string> digest = body.Close();
      outcome.bytes_received += body.received();
      last_transient = false;
      if (result.Succeeded() && digest) {
        if (*digest == expected) return downloaded();
        RemoveFile(part);
        last_error = fmt::format("SHA-256 mismatch: SHA256SUM says {}, the download has {}",
                                 expected, *digest);
        // A resumed file may start with bytes of another version of the file,
        // or a torn write of a crashed run: one fresh download settles it.
        if (body.resumed()) continue;
        outcome.error = last_error + "; the file was not kept";
        return outcome;
      }
      if (body.range_mismatch()) {
        RemoveFile(part);
        last_error = fmt::format("the server answered bytes={}- with another range", offset);
        continue;
      }
      if (result.curl_code == 0 && result.status == 416 && offset > 0) {
        // The .part is as long as the file, or longer: complete but not yet
        // renamed when the last run stopped, or not this file at all.
        if (Sha256OfFile(part.string()) == expected) return downloaded();
        RemoveFile(part);
        last_error = "the partial download was longer than the file";
        continue;
      }
      if (result.curl_code == 0 && result.status == 404) {
        outcome.error = "missing on the server (HTTP 404)";
        return outcome;
      }
      last_error = result.Describe();
      if (!result.Transient()) {
        outcome.error = last_error;
        return outcome;
      }
      last_transient = true;
    }
    const int attempts = retry.retries + 1;
    outcome.error = fmt::format("gave up after {} attempt{}, last: {}", attempts,
                                attempts == 1 ? "" : "s", last_error);
    uint64_t kept = SizeOrZero(part);
    if (kept > 0) outcome.error += fmt::format(" ({} bytes kept to resume from)", kept);
    outcome.network = last_transient;
  } catch (const IoError& e) {
    outcome.error = e.what();
  } catch (const DataError& e) {
    outcome.error = e.what();
  }
  return outcome;
}

}  // namespace borgscope
