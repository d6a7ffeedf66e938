#pragma once
// The wire format of partial analysis states: little-endian fixed-width
// integers and length-prefixed byte strings. Threads, MPI ranks and stream
// checkpoints all merge through states written and read with these.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "errors.h"

namespace borgscope {

class WireWriter {
 public:
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void Put(const T& value) { std::memcpy(Append(sizeof(T)), &value, sizeof(T)); }
  // A count-prefixed array of trivially copyable values, copied in one go.
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void PutArray(std::span<const T> values) {
    Put<uint64_t>(values.size());
    if (!values.empty())
      std::memcpy(Append(values.size_bytes()), values.data(), values.size_bytes());
  }
  void PutBytes(std::string_view bytes) {
    Put<uint64_t>(bytes.size());
    if (!bytes.empty()) std::memcpy(Append(bytes.size()), bytes.data(), bytes.size());
  }
  // Room for a value written later with Patch (counts known only at the end).
  template <typename T>
  requires std::is_trivially_copyable_v<T> size_t Reserve() {
    size_t offset = size_;
    std::memset(Append(sizeof(T)), 0, sizeof(T));
    return offset;
  }
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void Patch(size_t offset, const T& value) {
    std::memcpy(buffer_.data() + offset, &value, sizeof(T));
  }
  // Room for `bytes` more without growing again: a writer whose final size is
  // known allocates it once (growing by doubling touches about twice the
  // memory, and fresh memory is what an exchange of large states pays for).
  void MakeRoom(size_t bytes) {
    if (buffer_.size() - size_ < bytes) buffer_.resize(size_ + bytes);
  }
  std::string_view bytes() const { return {buffer_.data(), size_}; }
  std::string Take() {
    buffer_.resize(size_);
    size_ = 0;
    return std::exchange(buffer_, std::string());
  }

  // Marks the part of a split that stays in place (a rank's own partition):
  // SerializeByPartition writes no keyed entries into it.
  void SkipEntries() { skip_entries_ = true; }
  bool skips_entries() const { return skip_entries_; }

 private:
  // Inline and without std::string::append (out of line in libstdc++): states
  // are written a few bytes at a time, millions of times per exchange.
  char* Append(size_t size) {
    if (buffer_.size() - size_ < size) [[unlikely]]
      Grow(size);
    char* at = buffer_.data() + size_;
    size_ += size;
    return at;
  }
  void Grow(size_t size) { buffer_.resize(std::max(size_ + size, 2 * buffer_.size() + 256)); }

  std::string buffer_;  // [0, size_) written, the rest room to grow
  size_t size_ = 0;
  bool skip_entries_ = false;
};

class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  requires std::is_trivially_copyable_v<T> T Get() {
    Need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  // Appends what PutArray wrote to `values`.
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void GetArray(std::vector<T>& values) {
    const uint64_t count = GetCount(sizeof(T));
    if (count == 0) return;  // an empty vector's data() may be null: no memcpy
    const size_t old_size = values.size();
    values.resize(old_size + count);
    std::memcpy(values.data() + old_size, bytes_.data() + position_, count * sizeof(T));
    position_ += count * sizeof(T);
  }
  std::string_view GetBytes() {
    uint64_t size = Get<uint64_t>();
    Need(size);
    std::string_view view = bytes_.substr(position_, size);
    position_ += size;
    return view;
  }
  // Element counts read from the wire, checked against what is left so a
  // corrupt count cannot ask for huge allocations.
  uint64_t GetCount(size_t min_bytes_per_element) {
    uint64_t count = Get<uint64_t>();
    if (min_bytes_per_element > 0 && count > (bytes_.size() - position_) / min_bytes_per_element) {
      throw InternalError("partial state: element count larger than the data");
    }
    return count;
  }
  bool AtEnd() const { return position_ == bytes_.size(); }

 private:
  void Need(size_t size) const {
    if (bytes_.size() - position_ < size) throw InternalError("partial state: truncated data");
  }
  std::string_view bytes_;
  size_t position_ = 0;
};

}  // namespace borgscope
