#pragma once
// A vector that grows by fixed-size chunks. Appending never moves elements,
// so references stay valid and growing never holds two copies at once (a
// std::vector that doubles holds its old and new arrays together: three
// times its elements at the moment it grows). Keyed states keep their entries
// here; the memory they take is their size, rounded up to one chunk.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

namespace borgscope {

template <typename T>
class ChunkedVector {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;
  static constexpr size_t kShift = std::bit_width(std::max<size_t>(1, kChunkBytes / sizeof(T))) - 1;
  static constexpr size_t kPerChunk = size_t{1} << kShift;

  template <bool kConst>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using Owner = std::conditional_t<kConst, const ChunkedVector, ChunkedVector>;
    using reference = std::conditional_t<kConst, const T&, T&>;
    using pointer = std::conditional_t<kConst, const T*, T*>;

    Iterator() = default;
    Iterator(Owner* owner, size_t index) : owner_(owner), index_(index) {}
    reference operator*() const { return (*owner_)[index_]; }
    pointer operator->() const { return &(*owner_)[index_]; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    Owner* owner_ = nullptr;
    size_t index_ = 0;
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  ChunkedVector() = default;
  ChunkedVector(ChunkedVector&&) noexcept = default;
  ChunkedVector& operator=(ChunkedVector&&) noexcept = default;
  ChunkedVector(const ChunkedVector& other) { *this = other; }
  ChunkedVector& operator=(const ChunkedVector& other) {
    if (this == &other) return *this;
    clear();
    for (const T& item : other) push_back(item);
    return *this;
  }

  T& push_back(const T& item) {
    T& slot = AppendSlot();
    slot = item;
    return slot;
  }
  T& emplace_back() { return AppendSlot(); }

  T& operator[](size_t i) { return chunks_[i >> kShift][i & (kPerChunk - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kShift][i & (kPerChunk - 1)]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    chunks_.clear();
    chunks_.shrink_to_fit();
    size_ = 0;
  }

  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  // A fresh element: value-initialized (chunks are made that way).
  T& AppendSlot() {
    if ((size_ & (kPerChunk - 1)) == 0 && (size_ >> kShift) == chunks_.size()) {
      chunks_.push_back(std::make_unique<T[]>(kPerChunk));
    }
    return (*this)[size_++];
  }

  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace borgscope
