#pragma once
// Which lines of one source (a shard of job_events or task_events) the stream
// has counted: the de-duplication set. Retried produce requests can store a
// batch twice *and* after later batches (the mock broker does not check
// idempotent sequences), so a plain high-water mark per source would drop the
// late originals; this set is exact whatever the order.
//
// Representation: every line below base_ is seen, plus a bitmap from base_ on.
// Replay sends a shard's lines in order, so the bitmap only spans the skew
// between partitions (a few thousand lines) and collapses as its front fills:
// a finished shard is one integer.

#include <cstdint>
#include <vector>

#include "engine/wire.h"

namespace borgscope {

class SeenLines {
 public:
  // Marks `line` (1-based) as seen; false if it already was (a duplicate).
  bool Insert(uint64_t line);
  bool Contains(uint64_t line) const;
  // Union with `other` (unchanged).
  void Merge(const SeenLines& other);
  void Serialize(WireWriter& out) const;
  void Deserialize(WireReader& in);

  // Lines 1..contiguous() are all seen.
  uint64_t contiguous() const;
  // Lines seen after the first one missing.
  uint64_t counted_after_contiguous() const;

 private:
  void Compact();

  uint64_t base_ = 0;            // positions (line - 1) below base_ are all seen; multiple of 64
  std::vector<uint64_t> words_;  // bit i of word w: position base_ + 64 w + i
};

}  // namespace borgscope
