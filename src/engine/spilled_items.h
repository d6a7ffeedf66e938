#pragma once
// Items of a trivially copyable type that may outgrow their memory budget
// (q7's and q8's points when their states spilled, DESIGN.md section 8):
// held in memory up to `chunk_items`, then written to a file in the spill
// folder a chunk at a time. The file is unlinked as soon as it is created,
// so it goes away with the process however that ends. Read back a chunk at
// a time, in the order written.

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "errors.h"

namespace borgscope {

// An unlinked file in `folder` for data that lives no longer than the process.
class ScratchFile {
 public:
  ScratchFile() = default;
  explicit ScratchFile(const std::string& folder) : folder_(folder) {
    std::string pattern = folder + "/items-XXXXXX";
    fd_ = mkstemp(pattern.data());
    if (fd_ < 0) {
      throw IoError(
          fmt::format("cannot create a spill file in {}: {}", folder, std::strerror(errno)));
    }
    unlink(pattern.c_str());
  }
  ScratchFile(ScratchFile&& other) noexcept
      : folder_(std::move(other.folder_)),
        fd_(std::exchange(other.fd_, -1)),
        size_(std::exchange(other.size_, 0)) {}
  ScratchFile& operator=(ScratchFile&& other) noexcept {
    std::swap(folder_, other.folder_);
    std::swap(fd_, other.fd_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~ScratchFile() {
    if (fd_ >= 0) close(fd_);
  }

  bool open() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }

  void Append(const void* data, size_t bytes) {
    const char* at = static_cast<const char*>(data);
    for (size_t done = 0; done < bytes;) {
      const ssize_t n = pwrite(fd_, at + done, bytes - done, static_cast<off_t>(size_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw IoError(fmt::format(
            "cannot write {} bytes of spilled points to the spill folder {} ({} written before "
            "it): {}",
            bytes - done, folder_, size_ + done, std::strerror(n < 0 ? errno : ENOSPC)));
      }
      done += static_cast<size_t>(n);
    }
    size_ += bytes;
  }
  void Read(uint64_t offset, void* data, size_t bytes) const {
    char* at = static_cast<char*>(data);
    for (size_t done = 0; done < bytes;) {
      const ssize_t n = pread(fd_, at + done, bytes - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw IoError(fmt::format("cannot read back spilled points in {}: {}", folder_,
                                  n < 0 ? std::strerror(errno) : "file cut short"));
      }
      done += static_cast<size_t>(n);
    }
  }

 private:
  std::string folder_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

template <typename T>
requires std::is_trivially_copyable_v<T>
class SpilledItems {
 public:
  // In memory only, however many.
  SpilledItems() = default;
  // At most chunk_items in memory; past that, chunks go to a file in `folder`.
  SpilledItems(size_t chunk_items, std::string folder)
      : chunk_items_(std::max<size_t>(chunk_items, 1)), folder_(std::move(folder)) {}

  void Add(const T& item) {
    if (buffer_.empty() && chunk_items_ != SIZE_MAX) buffer_.reserve(chunk_items_);
    buffer_.push_back(item);
    if (buffer_.size() >= chunk_items_) Flush();
  }
  // Room for `more` items about to be added, when they stay in memory.
  void ReserveMore(uint64_t more) {
    if (chunk_items_ == SIZE_MAX) buffer_.reserve(buffer_.size() + more);
  }
  uint64_t size() const { return written_ + buffer_.size(); }
  bool spilled() const { return written_ > 0; }
  size_t chunk_items() const { return chunk_items_; }
  const std::string& folder() const { return folder_; }
  // All the items, when none spilled.
  std::vector<T>& in_memory() { return buffer_; }

  // fn(std::vector<T>&) for every chunk, in the order written (the last one
  // from memory); fn may reorder or change the chunk's items: changes to the
  // items in the file are not written back.
  template <typename Fn>
  void ForEachChunk(Fn fn) {
    std::vector<T> chunk;
    for (uint64_t at = 0; at < written_;) {
      const size_t count = static_cast<size_t>(std::min<uint64_t>(chunk_items_, written_ - at));
      chunk.resize(count);
      file_.Read(at * sizeof(T), chunk.data(), count * sizeof(T));
      fn(chunk);
      at += count;
    }
    chunk = {};
    if (!buffer_.empty()) fn(buffer_);
  }

  // Frees the memory and the file.
  void Clear() {
    buffer_ = {};
    file_ = ScratchFile();
    written_ = 0;
  }

 private:
  void Flush() {
    if (!file_.open()) file_ = ScratchFile(folder_);
    file_.Append(buffer_.data(), buffer_.size() * sizeof(T));
    written_ += buffer_.size();
    buffer_.clear();
  }

  size_t chunk_items_ = SIZE_MAX;
  std::string folder_;
  std::vector<T> buffer_;
  ScratchFile file_;
  uint64_t written_ = 0;  // items in the file
};

}  // namespace borgscope
