#include "stream/seen_lines.h"

#include <bit>

namespace borgscope {
namespace {
constexpr uint64_t kFull = ~uint64_t{0};
}

bool SeenLines::Insert(uint64_t line) {
  const uint64_t position = line - 1;
  if (line == 0 || position < base_) return false;
  const uint64_t index = (position - base_) / 64;
  const uint64_t mask = uint64_t{1} << ((position - base_) % 64);
  if (index >= words_.size()) words_.resize(index + 1, 0);
  if ((words_[index] & mask) != 0) return false;
  words_[index] |= mask;
  if (index == 0 && words_[0] == kFull) Compact();
  return true;
}

bool SeenLines::Contains(uint64_t line) const {
  const uint64_t position = line - 1;
  if (line == 0) return false;
  if (position < base_) return true;
  const uint64_t index = (position - base_) / 64;
  return index < words_.size() && (words_[index] >> ((position - base_) % 64) & 1) != 0;
}

void SeenLines::Compact() {
  size_t full = 0;
  while (full < words_.size() && words_[full] == kFull) ++full;
  words_.erase(words_.begin(), words_.begin() + static_cast<std::ptrdiff_t>(full));
  base_ += 64 * full;
}

void SeenLines::Merge(const SeenLines& other) {
  if (other.base_ > base_) {
    const uint64_t below = (other.base_ - base_) / 64;
    if (words_.size() < below) words_.resize(below, 0);
    std::fill(words_.begin(), words_.begin() + static_cast<std::ptrdiff_t>(below), kFull);
  }
  for (size_t i = 0; i < other.words_.size(); ++i) {
    const uint64_t first = other.base_ + 64 * i;  // both bases are multiples of 64
    if (first < base_) continue;
    const uint64_t index = (first - base_) / 64;
    if (index >= words_.size()) words_.resize(index + 1, 0);
    words_[index] |= other.words_[i];
  }
  Compact();
}

uint64_t SeenLines::contiguous() const {
  uint64_t ones = words_.empty() ? 0 : std::countr_one(words_[0]);
  return base_ + ones;
}

uint64_t SeenLines::counted_after_contiguous() const {
  uint64_t seen = 0;
  for (uint64_t word : words_) seen += static_cast<uint64_t>(std::popcount(word));
  return seen - (contiguous() - base_);
}

void SeenLines::Serialize(WireWriter& out) const {
  out.Put(base_);
  out.Put<uint64_t>(words_.size());
  for (uint64_t word : words_) out.Put(word);
}

void SeenLines::Deserialize(WireReader& in) {
  base_ = in.Get<uint64_t>();
  words_.resize(in.GetCount(8));
  for (uint64_t& word : words_) word = in.Get<uint64_t>();
  if (base_ % 64 != 0) throw InternalError("seen lines: base not a multiple of 64");
}

}  // namespace borgscope
