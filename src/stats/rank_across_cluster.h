#pragma once
// Ranking points that are spread over the ranks of an MPI job (by key, after
// the exchange) by one of their values, as Spearman's rho and q7's deciles
// need: a sample sort. The points move so that each rank holds a balanced,
// contiguous range of the sorted order - no rank gathers them all - and each
// point learns the 1-based positions its tie group spans in the order of
// every rank's points. The positions do not depend on how the points were
// split, so the sums made from them merge to the same bits for any number of
// ranks. One process is the same code without the exchange.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/cluster.h"
#include "engine/wire.h"

namespace borgscope {

namespace rank_detail {

// The value's bits as an unsigned integer in the value's order (doubles: the
// sign bit flipped for positives, every bit for negatives; -0 before +0,
// which compare equal and so stay one tie group).
template <typename Value>
uint64_t OrderedBits(Value value) {
  if constexpr (std::is_floating_point_v<Value>) {
    const uint64_t bits = std::bit_cast<uint64_t>(static_cast<double>(value));
    return bits >> 63 ? ~bits : bits | (uint64_t{1} << 63);
  } else {
    return static_cast<uint64_t>(static_cast<int64_t>(value)) ^ (uint64_t{1} << 63);
  }
}

// Below this many items std::sort (the plain path) is as fast; above it a
// bucket is split by the next byte (BM_RankOneProcess: 64 beat 4096 and 256).
inline constexpr size_t kRadixSortMinItems = 64;
// Buckets of at most this many bytes are sorted through a scratch buffer of
// their size, a byte at a time from the lowest: a few passes within the
// cache, where the in-place sort would go on splitting them into ever more
// buckets of a few items (2 MiB beat 1, 4 and 8 for items of 12 and 32 bytes).
inline constexpr size_t kScratchSortMaxBytes = size_t{2} << 20;

// Sorts [begin, end) by the bytes of its keys up to the one at `shift`,
// through `scratch`, lowest byte first (LSD): each pass moves every item to
// its byte's place in the other buffer, keeping the order of the pass before.
// `differing` holds the key bits that differ between items: bytes without
// any are skipped.
template <typename T, typename KeyOf>
void ScratchRadixSort(T* begin, T* end, KeyOf key_of, int shift, uint64_t differing,
                      std::vector<T>& scratch) {
  const size_t n = static_cast<size_t>(end - begin);
  const int bytes = shift / 8 + 1;
  std::array<std::array<uint32_t, 256>, 8> counts{};
  for (const T* item = begin; item != end; ++item) {
    const uint64_t key = key_of(*item);
    for (int b = 0; b < bytes; ++b) ++counts[b][(key >> (8 * b)) & 0xff];
  }
  if (scratch.size() < n) scratch.resize(n);  // within its capacity
  T* from = begin;
  T* to = scratch.data();
  for (int b = 0; b < bytes; ++b) {
    if (((differing >> (8 * b)) & 0xff) == 0) continue;
    std::array<uint32_t, 256> places;
    for (uint32_t d = 0, place = 0; d < 256; place += counts[b][d], ++d) places[d] = place;
    for (const T* item = from; item != from + n; ++item) {
      to[places[(key_of(*item) >> (8 * b)) & 0xff]++] = *item;
    }
    std::swap(from, to);
  }
  if (from != begin) std::copy(from, from + n, begin);
}

// Sorts [begin, end) by the byte of OrderedBits at `shift` and below, in
// place: an MSD radix sort (American flag sort) that moves each item straight
// to its byte's bucket, then sorts each bucket by the next byte - buckets
// that fit kScratchSortMaxBytes by ScratchRadixSort.
template <typename T, typename KeyOf>
void RadixSortInPlace(T* begin, T* end, KeyOf key_of, int shift, std::vector<T>& scratch) {
  // Past the last byte every key is the same: sorted (a large tie group -
  // windows without evictions, a common request - is done once counted).
  if (shift < 0) return;
  const size_t n = static_cast<size_t>(end - begin);
  if (n < kRadixSortMinItems) {
    std::sort(begin, end, [&](const T& a, const T& b) { return key_of(a) < key_of(b); });
    return;
  }
  auto digit = [&](const T& item) { return (key_of(item) >> shift) & 0xff; };
  std::array<size_t, 256> counts{};
  // Keys that differ from the first one: none, and the items are sorted
  // (a tie group is counted once, not once per byte left).
  const uint64_t first_key = key_of(*begin);
  uint64_t differing = 0;
  for (const T* item = begin; item != end; ++item) {
    const uint64_t key = key_of(*item);
    ++counts[(key >> shift) & 0xff];
    differing |= key ^ first_key;
  }
  if (differing == 0) return;
  // Every byte above the one holding the highest differing bit is the same
  // in all keys (small integers, doubles of one range): sorted from that
  // byte on, with no counting pass for each byte in between.
  const int differing_shift = (63 - std::countl_zero(differing)) & ~7;
  if (n * sizeof(T) <= kScratchSortMaxBytes) {
    return ScratchRadixSort(begin, end, key_of, differing_shift, differing, scratch);
  }
  if (differing_shift < shift)
    return RadixSortInPlace(begin, end, key_of, differing_shift, scratch);
  std::array<size_t, 256> heads{}, tails{};
  for (size_t b = 0, offset = 0; b < 256; ++b) {
    heads[b] = offset;
    offset += counts[b];
    tails[b] = offset;
  }
  // Each swap lands at its bucket's head, which moves on by one item: the
  // line a few items past it is fetched now, so that the chain of swaps
  // (each waits for the one before) does not wait for memory.
  constexpr size_t kAhead = 128 / sizeof(T) + 1;
  auto fetch_past_head = [&](size_t d) {
    __builtin_prefetch(begin + std::min(heads[d] + kAhead, n - 1), 1);
  };
  for (size_t b = 0; b < 256; ++b) {
    while (heads[b] < tails[b]) {
      T item = std::move(begin[heads[b]]);
      for (size_t d = digit(item); d != b; d = digit(item)) {
        std::swap(item, begin[heads[d]++]);
        fetch_past_head(d);
      }
      begin[heads[b]++] = std::move(item);
    }
  }
  for (size_t b = 0, first = 0; b < 256; first += counts[b], ++b) {
    if (counts[b] > 1)
      RadixSortInPlace(begin + first, begin + first + counts[b], key_of, shift - 8, scratch);
  }
}

// Sorts items by value (no NaN; equal values in any order). Fast path: a
// radix sort by the value's ordered bits, in place but for buckets of at
// most kScratchSortMaxBytes (the items are most of a finish's memory: no
// copy of them all); plain path: std::sort, below kRadixSortMinItems.
template <typename T, typename ValueOf>
void SortByValue(std::vector<T>& items, ValueOf value_of) {
  if (items.size() < kRadixSortMinItems) {
    std::sort(items.begin(), items.end(),
              [&](const T& a, const T& b) { return value_of(a) < value_of(b); });
    return;
  }
  std::vector<T> scratch;
  scratch.reserve(std::min(items.size(), kScratchSortMaxBytes / sizeof(T)));
  RadixSortInPlace(
      items.data(), items.data() + items.size(),
      [&](const T& item) { return OrderedBits(value_of(item)); }, 56, scratch);
}

// Merges the sorted runs items[bounds[i], bounds[i + 1]) (bounds from 0 to
// items.size()) into one order by value: pairs of neighbouring runs at a
// time, log2(runs) passes over the items - less than sorting them again.
template <typename T, typename ValueOf>
void MergeSortedRuns(std::vector<T>& items, std::vector<size_t> bounds, ValueOf value_of) {
  auto by_value = [&](const T& a, const T& b) { return value_of(a) < value_of(b); };
  std::vector<T> merged;
  while (bounds.size() > 2) {
    merged.resize(items.size());
    std::vector<size_t> merged_bounds{0};
    for (size_t i = 0; i + 1 < bounds.size(); i += 2) {
      const auto first = items.begin() + bounds[i], middle = items.begin() + bounds[i + 1];
      if (i + 2 < bounds.size()) {
        std::merge(first, middle, middle, items.begin() + bounds[i + 2], merged.begin() + bounds[i],
                   by_value);
        merged_bounds.push_back(bounds[i + 2]);
      } else {
        std::copy(first, middle, merged.begin() + bounds[i]);  // the odd run out
        merged_bounds.push_back(bounds[i + 1]);
      }
    }
    items.swap(merged);
    bounds = std::move(merged_bounds);
  }
}

// Sort order across ranks: by value, then by where the point was before the
// exchange, so that a tie group can be cut between ranks like any run.
template <typename Value>
struct SortKey {
  Value value;
  int64_t rank;
  uint64_t index;
  bool operator<=(const SortKey& other) const {
    if (value != other.value) return value < other.value;
    if (rank != other.rank) return rank < other.rank;
    return index <= other.index;
  }
};

template <typename Value>
struct Sample {
  SortKey<Value> key;
  double weight;  // points of its rank it stands for
};

// This rank's points, sorted by value: moved so that rank r gets the r-th
// range of the order, then the sorted runs received merged.
template <typename T, typename ValueOf>
void ExchangeByValue(std::vector<T>& items, ValueOf value_of, Cluster& cluster) {
  using Value = std::decay_t<std::invoke_result_t<ValueOf, const T&>>;
  const int ranks = cluster.size();
  const int64_t me = cluster.rank();
  const size_t n = items.size();

  // Cut points from evenly spaced samples of every rank's sorted points.
  const size_t sample_count = std::min<size_t>(n, 32 * static_cast<size_t>(ranks));
  std::vector<Sample<Value>> samples(sample_count);
  for (size_t k = 0; k < sample_count; ++k) {
    const uint64_t index = (2 * k + 1) * n / (2 * sample_count);
    samples[k] = {{value_of(items[index]), me, index},
                  static_cast<double>(n) / static_cast<double>(sample_count)};
  }
  WireWriter mine;
  mine.PutArray<Sample<Value>>(samples);
  samples.clear();
  for (const std::string& bytes : cluster.AllGather(mine.Take())) {
    WireReader in(bytes);
    in.GetArray(samples);
  }
  std::sort(samples.begin(), samples.end(),
            [](const auto& a, const auto& b) { return !(b.key <= a.key); });
  double total_weight = 0;
  for (const auto& sample : samples) total_weight += sample.weight;
  std::vector<SortKey<Value>> cuts;  // rank r gets the keys in (cuts[r-1], cuts[r]]
  double seen = 0;
  for (const auto& sample : samples) {
    seen += sample.weight;
    while (cuts.size() + 1 < static_cast<size_t>(ranks) &&
           seen >= total_weight * static_cast<double>(cuts.size() + 1) / ranks) {
      cuts.push_back(sample.key);
    }
  }

  // This rank's points are sorted by (value, me, index): each range is a slice.
  std::vector<std::string> to_each(ranks);
  size_t begin = 0;
  for (int r = 0; r < ranks; ++r) {
    size_t end = n;
    if (static_cast<size_t>(r) < cuts.size()) {
      size_t low = begin, high = n;  // first index whose key is past cuts[r]
      while (low < high) {
        const size_t mid = low + (high - low) / 2;
        if (SortKey<Value>{value_of(items[mid]), me, mid} <= cuts[r]) {
          low = mid + 1;
        } else {
          high = mid;
        }
      }
      end = low;
    }
    WireWriter out;
    out.PutArray<T>(std::span<const T>(items.data() + begin, end - begin));
    to_each[r] = out.Take();
    begin = end;
  }
  std::vector<T>().swap(items);
  std::vector<size_t> run_bounds{0};
  for (std::string& bytes : cluster.AllToAll(std::move(to_each))) {
    WireReader in(bytes);
    in.GetArray(items);
    run_bounds.push_back(items.size());
    std::string().swap(bytes);
  }
  MergeSortedRuns(items, std::move(run_bounds), value_of);
}

// What the neighbours need to know of a rank's sorted points.
template <typename Value>
struct Edges {
  uint64_t count = 0;
  Value first{}, last{};
  uint64_t first_ties = 0, last_ties = 0;  // points equal to first / last
};

}  // namespace rank_detail

// Collective: calls rank(item, first, last, total) for every point of every
// rank, once, where first..last are the 1-based positions its value's tie
// group spans among all `total` points (its average rank is (first + last) / 2).
// Afterwards `items` holds this rank's range of the points, sorted by value.
// Values must be ordered by < (no NaN).
template <typename T, typename ValueOf, typename Rank>
requires std::is_trivially_copyable_v<T>
void RankAcrossCluster(std::vector<T>& items, ValueOf value_of, Rank rank, Cluster& cluster) {
  using Value = std::decay_t<std::invoke_result_t<ValueOf, const T&>>;
  rank_detail::SortByValue(items, value_of);
  if (cluster.size() > 1) rank_detail::ExchangeByValue(items, value_of, cluster);

  const size_t n = items.size();
  rank_detail::Edges<Value> edges;
  edges.count = n;
  if (n > 0) {
    edges.first = value_of(items.front());
    edges.last = value_of(items.back());
    while (edges.first_ties < n && value_of(items[edges.first_ties]) == edges.first)
      ++edges.first_ties;
    while (edges.last_ties < n && value_of(items[n - 1 - edges.last_ties]) == edges.last)
      ++edges.last_ties;
  }
  WireWriter mine;
  mine.Put(edges);
  std::vector<rank_detail::Edges<Value>> all;
  for (const std::string& bytes : cluster.AllGather(mine.Take())) {
    WireReader in(bytes);
    all.push_back(in.Get<rank_detail::Edges<Value>>());
  }
  const size_t me = cluster.rank();
  uint64_t offset = 0, total = 0;
  for (size_t r = 0; r < all.size(); ++r) {
    total += all[r].count;
    if (r < me) offset += all[r].count;
  }
  if (n == 0) return;
  // Ties of this rank's first value on lower ranks, of its last on higher ones.
  uint64_t ties_before = 0, ties_after = 0;
  for (size_t r = me; r-- > 0;) {
    if (all[r].count == 0) continue;
    if (all[r].last != edges.first) break;
    ties_before += all[r].last_ties;
    if (all[r].last_ties != all[r].count) break;
  }
  for (size_t r = me + 1; r < all.size(); ++r) {
    if (all[r].count == 0) continue;
    if (all[r].first != edges.last) break;
    ties_after += all[r].first_ties;
    if (all[r].first_ties != all[r].count) break;
  }
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && value_of(items[j]) == value_of(items[i])) ++j;
    uint64_t first = offset + i + 1, last = offset + j;
    if (i == 0) first -= ties_before;
    if (j == n) last += ties_after;
    for (size_t k = i; k < j; ++k) rank(items[k], first, last, total);
    i = j;
  }
}

}  // namespace borgscope
