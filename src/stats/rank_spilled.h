#pragma once
// Pearson sums and ranks of points that spilled to disk (SpilledItems: one
// process under --memory-limit): the same sums and positions as
// PearsonSumsAcrossRanks and RankAcrossCluster, from sorted runs merged
// k-way instead of one sort in memory, so that a chunk of points is in
// memory at a time.

#include <array>
#include <cstdint>
#include <queue>
#include <span>
#include <utility>
#include <vector>

#include "engine/spilled_items.h"
#include "stats/correlation.h"
#include "stats/rank_across_cluster.h"

namespace borgscope {

// Pearson's sums of x(item) and y(item): the means, then the deviations.
template <typename T, typename X, typename Y>
PearsonSums PearsonSumsOfSpilled(SpilledItems<T>& items, X x, Y y) {
  std::array<ExactSum, 2> sums;
  items.ForEachChunk(
      [&](const std::vector<T>& chunk) { AddBoth(std::span<const T>(chunk), x, y, sums); });
  const std::vector<double> means = MeansAcrossRanks(sums, items.size(), SingleProcess());
  PearsonSums pearson;
  items.ForEachChunk([&](const std::vector<T>& chunk) {
    pearson.AddAll(std::span<const T>(chunk), [&](const T& item) {
      return std::pair(x(item) - means[0], y(item) - means[1]);
    });
  });
  return pearson;
}

namespace rank_detail {

// fn(item) for every item of the sorted runs [bounds[i], bounds[i + 1]) of
// `runs`, in order of value: a k-way merge, each run read through a buffer.
template <typename T, typename ValueOf, typename Fn>
void MergeRuns(const ScratchFile& runs, const std::vector<uint64_t>& bounds, size_t memory_items,
               ValueOf value_of, Fn fn) {
  using Value = std::decay_t<std::invoke_result_t<ValueOf, const T&>>;
  struct Cursor {
    uint64_t next, end;  // items not yet read from the file
    std::vector<T> buffer;
    size_t at = 0;
  };
  const size_t count = bounds.size() - 1;
  const size_t buffer_items = std::max<size_t>(256, memory_items / std::max<size_t>(count, 1));
  std::vector<Cursor> cursors(count);
  auto refill = [&](Cursor& cursor) {
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(buffer_items, cursor.end - cursor.next));
    cursor.buffer.resize(n);
    if (n > 0) runs.Read(cursor.next * sizeof(T), cursor.buffer.data(), n * sizeof(T));
    cursor.next += n;
    cursor.at = 0;
  };
  using Head = std::pair<Value, size_t>;  // a cursor's next value, the cursor
  auto later = [](const Head& a, const Head& b) { return b.first < a.first; };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  for (size_t c = 0; c < count; ++c) {
    cursors[c].next = bounds[c];
    cursors[c].end = bounds[c + 1];
    refill(cursors[c]);
    if (!cursors[c].buffer.empty()) heads.push({value_of(cursors[c].buffer[0]), c});
  }
  while (!heads.empty()) {
    Cursor& cursor = cursors[heads.top().second];
    const size_t c = heads.top().second;
    heads.pop();
    fn(cursor.buffer[cursor.at]);
    if (++cursor.at == cursor.buffer.size()) refill(cursor);
    if (cursor.at < cursor.buffer.size()) heads.push({value_of(cursor.buffer[cursor.at]), c});
  }
}

}  // namespace rank_detail

// The items sorted into runs on disk (one per chunk), to be merged in order.
template <typename T>
struct SortedRuns {
  ScratchFile file;
  std::vector<uint64_t> bounds{0};  // run i is items [bounds[i], bounds[i + 1])
  size_t memory_items = 0;          // read buffers of the merge, all runs together
  uint64_t total() const { return bounds.back(); }
};

template <typename T, typename ValueOf>
SortedRuns<T> SortSpilled(SpilledItems<T>& items, ValueOf value_of) {
  SortedRuns<T> runs{ScratchFile(items.folder())};
  items.ForEachChunk([&](std::vector<T>& chunk) {
    rank_detail::SortByValue(chunk, value_of);
    runs.file.Append(chunk.data(), chunk.size() * sizeof(T));
    runs.bounds.push_back(runs.bounds.back() + chunk.size());
  });
  runs.memory_items = items.chunk_items() == SIZE_MAX ? runs.total() : items.chunk_items();
  return runs;
}

// fn(item) for every item of `runs`, in order of value (ties in any order).
template <typename T, typename ValueOf, typename Fn>
void ForEachInOrder(const SortedRuns<T>& runs, ValueOf value_of, Fn fn) {
  rank_detail::MergeRuns<T>(runs.file, runs.bounds, runs.memory_items, value_of, fn);
}

// Calls rank(item, first, last, total) for every item as RankAcrossCluster
// does in one process (first..last: the 1-based positions its value's tie
// group spans), then after(item) with the item as rank left it.
template <typename T, typename ValueOf, typename Rank, typename After>
void RankSpilled(SpilledItems<T>& items, ValueOf value_of, Rank rank, After after) {
  const SortedRuns<T> runs = SortSpilled(items, value_of);
  const uint64_t total = runs.total();

  // First pass: the size of every tie group, in order, to a file.
  ScratchFile groups(items.folder());
  std::vector<uint64_t> sizes;
  auto flush = [&] {
    groups.Append(sizes.data(), sizes.size() * sizeof(uint64_t));
    sizes.clear();
  };
  bool any = false;
  uint64_t group = 0;
  std::decay_t<std::invoke_result_t<ValueOf, const T&>> current{};
  ForEachInOrder(runs, value_of, [&](const T& item) {
    if (any && value_of(item) == current) {
      ++group;
      return;
    }
    if (any) sizes.push_back(group);
    if (sizes.size() == 4096) flush();
    any = true;
    current = value_of(item);
    group = 1;
  });
  if (any) sizes.push_back(group);
  flush();

  // Second pass: each item with its group's positions.
  const uint64_t group_count = groups.size() / sizeof(uint64_t);
  uint64_t position = 0, group_end = 0, groups_read = 0, first = 0;
  size_t at = 0;
  ForEachInOrder(runs, value_of, [&](const T& item) {
    if (position == group_end) {
      if (at == sizes.size()) {  // the next few group sizes
        sizes.resize(static_cast<size_t>(std::min<uint64_t>(4096, group_count - groups_read)));
        groups.Read(groups_read * sizeof(uint64_t), sizes.data(), sizes.size() * sizeof(uint64_t));
        groups_read += sizes.size();
        at = 0;
      }
      first = position + 1;
      group_end = position + sizes[at++];
    }
    ++position;
    T ranked = item;
    rank(ranked, first, group_end, total);
    after(ranked);
  });
}

}  // namespace borgscope
