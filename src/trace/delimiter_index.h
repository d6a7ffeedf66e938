#pragma once
// Stage 1 of parsing (simdjson's idea): the offsets of every ',' and '\n' of a
// block, found 64 bytes at a time with SSE2 (a scalar loop elsewhere), so the
// field scanner jumps from delimiter to delimiter instead of searching.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace borgscope {

class DelimiterIndex {
 public:
  // Indexes [begin, end); offsets are relative to begin. Blocks are at most
  // 4 GiB (the scan's are 256 KB).
  void Build(const char* begin, const char* end);
  // The same, one byte at a time: the plain path, for tests.
  void BuildScalar(const char* begin, const char* end);

  const uint32_t* offsets() const { return offsets_.get(); }
  size_t size() const { return size_; }

 private:
  void Reserve(size_t bytes);

  std::unique_ptr<uint32_t[]> offsets_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace borgscope
