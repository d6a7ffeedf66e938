#pragma once
// A keyed part (engine/state_parts.h) for a list of entries that is read once,
// in one order, at the end — q9's task events, by task and trace order. The
// entries are kept in runs, each sorted and delta-encoded against the entry
// before it (a few bytes an entry instead of its full width), and read by
// merging the runs k-way (no sort over all of them at once), or a group at a
// time (each run's part of a group, run after run: q6's placements by job).
//
// Entries are added to a pending batch in any order; Seal sorts the batch and
// encodes it as one run. A scan thread's batch is one shard's entries, sealed
// when its state joins the merged one (Absorb). Merge, the split into key
// partitions (decoded, split and encoded again), spill files and the MPI
// exchange move runs as bytes.
//
// Codec:
//   static bool Less(const Entry&, const Entry&);   the order runs are read in
//   static int64_t IdOf(const Entry&);              the id PartitionOf splits by
//   static void Put(ByteWriter& out, const Entry& previous, const Entry& entry);
//   static Entry Get(const char*& at, const char* end, const Entry& previous);
//   static constexpr bool kDistinct = true;  // optional: a run keeps an entry
//       equal (==) to the one before it in Less's order once (every repeat,
//       when Less orders all fields; runs may share some)
//   static Group GroupOf(const Entry&);  // optional: when Less orders by it
//       first (Group: <, == and absl hash); a batch is then sorted by group
//       with a counting sort, and each group's entries by Less
//   static bool Counted(const Entry&);  // optional: entries counted per run
//       as runs are made (Encoded, Split) and carried with them (wire,
//       spill), so that counted() needs no pass over the entries
//   static std::array<int64_t, 2> GroupParts(const Group&);  // optional,
//       with GroupOf: the group as two integers ordered as the groups are
//       (major, minor); a batch whose parts' ranges fit in 64 bits is then
//       sorted by group with a radix sort (no table of its groups)
//   static constexpr bool kOrdersByGroupOnly = true;  // optional, with
//       GroupOf: Less is the groups' order (a group's entries tie, and stay
//       in the order they came): a batch sorted by group is sorted
// The first entry of a run is written against a value-initialized Entry.

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/key_partition.h"
#include "engine/varint.h"
#include "engine/wire.h"

namespace borgscope {

template <typename Entry, typename Codec>
class DeltaRuns {
 public:
  Entry& Add() { return pending_.emplace_back(); }

  // The pending entries, sorted, become a run.
  void Seal() {
    if (pending_.empty()) return;
    AddRun(Encoded(Sorted(std::move(pending_))));
    pending_ = {};
  }

  void Merge(const DeltaRuns& other) {
    for (const Run& run : other.runs_) AddRun(run);
    if (!other.pending_.empty()) AddRun(Encoded(Sorted(other.pending_)));
  }
  void Absorb(DeltaRuns&& other) {
    other.Seal();
    if (runs_.empty()) {
      runs_ = std::move(other.runs_);
    } else {
      for (Run& run : other.runs_) AddRun(std::move(run));
    }
    other.runs_.clear();
  }

  // Into each part: its runs, count-prefixed; none into a part that skips
  // entries. With one part the runs are copied as they are.
  void SerializePartitions(std::span<WireWriter> parts) const {
    std::vector<std::vector<Run>> split(parts.size());
    auto split_run = [&](const Run& run) {
      if (parts.size() == 1) {
        if (!parts[0].skips_entries()) split[0].push_back(run);
        return;
      }
      std::vector<Run> pieces = Split(run, parts.size());
      for (size_t p = 0; p < parts.size(); ++p) {
        if (pieces[p].count > 0 && !parts[p].skips_entries())
          split[p].push_back(std::move(pieces[p]));
      }
    };
    for (const Run& run : runs_) split_run(run);
    if (!pending_.empty()) split_run(Encoded(Sorted(pending_)));
    for (size_t p = 0; p < parts.size(); ++p) {
      parts[p].template Put<uint64_t>(split[p].size());
      for (const Run& run : split[p]) {
        parts[p].template Put<uint64_t>(run.count);
        if constexpr (kCounts) parts[p].template Put<uint64_t>(run.counted);
        parts[p].PutBytes(run.bytes);
      }
    }
  }
  void KeepPartition(size_t part, size_t parts) {
    Seal();
    std::vector<Run> kept;
    for (const Run& run : runs_) {
      std::vector<Run> pieces = Split(run, parts);
      if (pieces[part].count > 0) kept.push_back(std::move(pieces[part]));
    }
    runs_ = std::move(kept);
  }
  void Deserialize(WireReader& in) {
    for (uint64_t n = in.GetCount((kCounts ? 3 : 2) * sizeof(uint64_t)); n > 0; --n) {
      Run run;
      run.count = in.Get<uint64_t>();
      if constexpr (kCounts) run.counted = in.Get<uint64_t>();
      run.bytes = std::string(in.GetBytes());
      AddRun(std::move(run));
    }
  }

  // fn(entry) for every entry, in Codec::Less order: the runs merged k-way.
  // With `from` and `until`, only the entries e with from <= e < until (a
  // null bound: none on that side); each run's entries before `from` are
  // decoded and skipped.
  template <typename Fn>
  void ForEachInOrder(Fn fn, const Entry* from = nullptr, const Entry* until = nullptr) const {
    Reading reading = Read(from, until);
    std::vector<Cursor>& cursors = reading.cursors;
    // A min-heap of the cursors by their entries. The top's next entry
    // replaces it and sinks only as far as it must: a run's entries mostly
    // come several in a row (a job's or a task's, from one shard), and then
    // it stays on top after two comparisons instead of a pop and a push.
    auto after = [&](size_t a, size_t b) {
      return Codec::Less(cursors[b].entry, cursors[a].entry);
    };
    std::vector<size_t> heap = Heap(cursors.size(), after);
    while (!heap.empty()) {
      const size_t i = heap.front();
      fn(std::as_const(cursors[i].entry));
      if (!cursors[i].Next() || !reading.BeforeUntil(cursors[i].entry)) {
        // The run is done: the last cursor takes the top's place.
        heap.front() = heap.back();
        heap.pop_back();
      }
      SinkTop(heap, after);
    }
  }

  // fn(entries) for each group of entries with one key_of(entry), groups in
  // increasing order of their keys; key_of must order entries as Less does
  // up to ties (a prefix of Less's fields: q6's job of a placement). A
  // group's entries are each run's in Less order, run after run — not
  // merged: one heap step per run and group instead of one per entry, for
  // readers that sort or hash a group's entries themselves (fn may reorder
  // them). `from` and `until` as in ForEachInOrder, at groups' starts.
  template <typename KeyOf, typename Fn>
  void ForEachGroup(KeyOf key_of, Fn fn, const Entry* from = nullptr,
                    const Entry* until = nullptr) const {
    Reading reading = Read(from, until);
    std::vector<Cursor>& cursors = reading.cursors;
    using Key = std::remove_cvref_t<decltype(key_of(std::declval<const Entry&>()))>;
    std::vector<Key> keys;  // of each cursor's entry
    keys.reserve(cursors.size());
    for (const Cursor& cursor : cursors) keys.push_back(key_of(cursor.entry));
    auto after = [&](size_t a, size_t b) { return keys[b] < keys[a]; };
    std::vector<size_t> heap = Heap(cursors.size(), after);
    std::vector<Entry> group;
    while (!heap.empty()) {
      const Key key = keys[heap.front()];
      group.clear();
      do {
        const size_t i = heap.front();
        Cursor& cursor = cursors[i];
        bool more;
        do {
          group.push_back(cursor.entry);
          more = cursor.Next() && reading.BeforeUntil(cursor.entry);
        } while (more && key_of(cursor.entry) == key);
        if (more) {
          keys[i] = key_of(cursor.entry);
        } else {
          heap.front() = heap.back();
          heap.pop_back();
        }
        SinkTop(heap, after);
      } while (!heap.empty() && keys[heap.front()] == key);
      fn(std::span<Entry>(group));
    }
  }

  // Up to parts - 1 entries, increasing, that cut the entries' order into
  // `parts` ranges of roughly equal size, for the readers' bounds; each
  // is group_start(some entry), the first entry a reader's group (a task, a
  // job) can have, so that no group spans two ranges. From samples each run
  // keeps (runs read from spill files or other ranks have none: their
  // entries then count in no cut).
  template <typename GroupStart>
  std::vector<Entry> SplitPoints(size_t parts, GroupStart group_start) const {
    std::vector<std::pair<Entry, uint64_t>> samples;  // entry, entries it stands for
    uint64_t total = 0;
    for (const Run& run : runs_) {
      for (const Sample& sample : run.samples) {
        samples.emplace_back(sample.entry, run.count / run.samples.size());
        total += run.count / run.samples.size();
      }
    }
    std::sort(samples.begin(), samples.end(),
              [](const auto& a, const auto& b) { return Codec::Less(a.first, b.first); });
    std::vector<Entry> cuts;
    uint64_t seen = 0;
    for (const auto& [sample, weight] : samples) {
      seen += weight;
      if (cuts.size() + 1 >= parts) break;
      if (seen * parts < total * (cuts.size() + 1)) continue;
      const Entry cut = group_start(sample);
      if (cuts.empty() || Codec::Less(cuts.back(), cut)) cuts.push_back(cut);
    }
    return cuts;
  }
  // The bounds [from, until) of range r of those `cuts` (SplitPoints) make,
  // for ForEachInOrder and ForEachGroup: null for the first range's start,
  // the last's end.
  static std::pair<const Entry*, const Entry*> RangeBounds(const std::vector<Entry>& cuts,
                                                           size_t r) {
    return {r == 0 ? nullptr : &cuts[r - 1], r == cuts.size() ? nullptr : &cuts[r]};
  }
  // fn(entry) for every entry, in no particular order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Run& run : runs_) {
      for (Cursor cursor(run);;) {
        fn(std::as_const(cursor.entry));
        if (!cursor.Next()) break;
      }
    }
    for (const Entry& entry : pending_) fn(entry);
  }

  // Room in the pending batch for as many entries as `like` holds (a scan
  // thread's batch for its next shard: no growth from empty again).
  void SizeLike(const DeltaRuns& like) {
    if (pending_.empty()) pending_.reserve(like.size());
  }
  size_t pending_capacity() const { return pending_.capacity(); }

  uint64_t size() const {
    uint64_t n = pending_.size();
    for (const Run& run : runs_) n += run.count;
    return n;
  }
  size_t run_count() const { return runs_.size(); }
  // The entries for which Codec::Counted is true (each run's count, no
  // pass over its entries).
  uint64_t counted() const requires(requires(const Entry& entry) { Codec::Counted(entry); }) {
    uint64_t n = 0;
    for (const Entry& entry : pending_) n += Codec::Counted(entry);
    for (const Run& run : runs_) n += run.counted;
    return n;
  }
  // Bytes the runs take (encoded), for measurements and tests.
  uint64_t encoded_bytes() const {
    uint64_t bytes = 0;
    for (const Run& run : runs_) bytes += run.bytes.size();
    return bytes;
  }

 private:
  // An entry of a run, and where the next one starts: a place to cut the
  // run's order at (SplitPoints) and to start reading it from.
  struct Sample {
    Entry entry;
    uint64_t index = 0;      // its position in the run
    size_t next_offset = 0;  // the bytes of the entries up to it
  };
  static constexpr bool kCounts = requires(const Entry& entry) { Codec::Counted(entry); };
  struct Run {
    uint64_t count = 0;
    uint64_t counted = 0;  // entries for which Codec::Counted is true, if it has one
    std::string bytes;
    std::vector<Sample> samples;  // at even steps through the run (Encoded)
  };
  static constexpr size_t kSamplesPerRun = 8;
  // A run's room made before its entries are encoded: q6's placements take
  // ~6 bytes, q9's task events ~12 (the room grows past it if need be).
  static constexpr size_t kBytesPerEntryGuess = 16;
  // Reads a non-empty run an entry at a time.
  struct Cursor {
    explicit Cursor(const Run& run)
        : at(run.bytes.data()),
          end(run.bytes.data() + run.bytes.size()),
          entry(Codec::Get(at, end, Entry{})),
          left(run.count - 1) {}
    bool Next() {
      if (left == 0) return false;
      --left;
      entry = Codec::Get(at, end, entry);
      return true;
    }
    // Moves to the entry after `sample` of `run`; false when there is none.
    bool StartAfter(const Run& run, const Sample& sample) {
      at = run.bytes.data() + sample.next_offset;
      entry = sample.entry;
      left = run.count - 1 - sample.index;
      return Next();
    }
    const char* at;
    const char* end;
    Entry entry;
    uint64_t left;
  };

  // The runs' cursors (the pending batch encoded as one more run), each at
  // its first entry in [from, until); runs with none there have none.
  struct Reading {
    const Entry* until = nullptr;
    std::vector<Run> extra;  // the pending batch's run, which cursors point into
    std::vector<Cursor> cursors;
    bool BeforeUntil(const Entry& entry) const {
      return until == nullptr || Codec::Less(entry, *until);
    }
  };
  Reading Read(const Entry* from, const Entry* until) const {
    Reading reading;
    reading.until = until;
    if (!pending_.empty()) reading.extra.push_back(Encoded(Sorted(pending_)));
    auto add_cursor = [&](const Run& run) {
      Cursor cursor(run);
      if (from != nullptr) {
        // From the last sample before `from`, then an entry at a time.
        const Sample* start = nullptr;
        for (const Sample& sample : run.samples) {
          if (!Codec::Less(sample.entry, *from)) break;
          start = &sample;
        }
        if (start != nullptr && !cursor.StartAfter(run, *start)) return;
        while (Codec::Less(cursor.entry, *from)) {
          if (!cursor.Next()) return;
        }
      }
      if (reading.BeforeUntil(cursor.entry)) reading.cursors.push_back(cursor);
    };
    for (const Run& run : runs_) add_cursor(run);
    for (const Run& run : reading.extra) add_cursor(run);
    return reading;
  }
  // The indices 0..n-1 as a heap by `after`.
  template <typename After>
  static std::vector<size_t> Heap(size_t n, After after) {
    std::vector<size_t> heap(n);
    for (size_t i = 0; i < n; ++i) heap[i] = i;
    std::make_heap(heap.begin(), heap.end(), after);
    return heap;
  }
  // Moves the heap's top down to its place (its entry grew, or the last
  // cursor took the place of one that ended).
  template <typename After>
  static void SinkTop(std::vector<size_t>& heap, After after) {
    const size_t n = heap.size();
    for (size_t at = 0;;) {
      size_t child = 2 * at + 1;
      if (child >= n) return;
      if (child + 1 < n && after(heap[child], heap[child + 1])) ++child;
      if (!after(heap[at], heap[child])) return;
      std::swap(heap[at], heap[child]);
      at = child;
    }
  }
  void AddRun(Run run) {
    if (run.count > 0) runs_.push_back(std::move(run));
  }
  static std::vector<Entry> Sorted(std::vector<Entry> entries) {
    if constexpr (requires(const Entry& entry) { Codec::GroupOf(entry); }) {
      entries = ByGroup(std::move(entries));
    } else {
      std::sort(entries.begin(), entries.end(), Codec::Less);
    }
    if constexpr (requires { Codec::kDistinct; }) {
      if (Codec::kDistinct)
        entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    }
    return entries;
  }
  // Sorted by Less when Less orders by GroupOf first: the entries are
  // moved group by group in the groups' order (a counting sort: a lookup
  // per entry in a table of the groups, a sort of the groups only; or,
  // with GroupParts, ByGroupParts' radix sort), each group keeping its
  // entries' order, then a group out of Less's order is sorted. A shard's
  // entries come in trace order, so a task's events (in trace order within
  // a task) need no sort at all.
  static std::vector<Entry> ByGroup(std::vector<Entry> entries) {
    if constexpr (requires(const Entry& entry) { Codec::GroupParts(Codec::GroupOf(entry)); }) {
      if (ByGroupParts(entries)) {
        SortEachGroup(entries);
        return entries;
      }
    }
    using Group = std::remove_cvref_t<decltype(Codec::GroupOf(entries.front()))>;
    absl::flat_hash_map<Group, uint32_t> number;  // in the order groups came
    std::vector<Group> groups;
    std::vector<uint32_t> group_of(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto [it, fresh] =
          number.try_emplace(Codec::GroupOf(entries[i]), static_cast<uint32_t>(groups.size()));
      if (fresh) groups.push_back(it->first);
      group_of[i] = it->second;
    }
    std::vector<uint32_t> in_order(groups.size());
    for (uint32_t g = 0; g < in_order.size(); ++g) in_order[g] = g;
    std::sort(in_order.begin(), in_order.end(),
              [&](uint32_t a, uint32_t b) { return groups[a] < groups[b]; });
    // start[g]: where group g's entries go.
    std::vector<size_t> start(groups.size());
    {
      std::vector<size_t> count(groups.size());
      for (uint32_t g : group_of) ++count[g];
      size_t at = 0;
      for (uint32_t g : in_order) {
        start[g] = at;
        at += count[g];
      }
    }
    std::vector<Entry> sorted(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) sorted[start[group_of[i]]++] = entries[i];
    SortEachGroup(sorted);
    return sorted;
  }
  // Entries sorted by group, each group's in the order they came: sorts each
  // group by Less (a shard's task events are mostly in order already).
  static void SortEachGroup(std::vector<Entry>& sorted) {
    if constexpr (requires { Codec::kOrdersByGroupOnly; }) {
      if (Codec::kOrdersByGroupOnly) return;
    }
    for (size_t begin = 0, end; begin < sorted.size(); begin = end) {
      const auto group = Codec::GroupOf(sorted[begin]);
      for (end = begin + 1; end < sorted.size() && Codec::GroupOf(sorted[end]) == group;) ++end;
      auto first = sorted.begin() + static_cast<ptrdiff_t>(begin);
      auto last = sorted.begin() + static_cast<ptrdiff_t>(end);
      if (!std::is_sorted(first, last, Codec::Less)) std::sort(first, last, Codec::Less);
    }
  }
  // ByGroup's counting sort without a table of the groups, for large batches
  // of many groups (a real task_events shard: ~450 k events, the table of
  // its tasks far larger than the caches): each entry's group as one 64-bit
  // key, (major - least major) above (minor - least minor), and (key, entry
  // number) pairs sorted by key with a stable LSD radix sort, up to 11 bits
  // a pass (a pass is skipped when all keys share its digit). False, and
  // `entries` unchanged, when the parts' ranges need more than 64 bits, or
  // for a batch too small to pay for the passes' counts (the table is then
  // small).
  static bool ByGroupParts(std::vector<Entry>& entries) {
    constexpr size_t kLeastEntries = 1024;
    const size_t n = entries.size();
    if (n < kLeastEntries || n > UINT32_MAX) return false;
    auto parts_of = [](const Entry& entry) { return Codec::GroupParts(Codec::GroupOf(entry)); };
    std::array<int64_t, 2> least = parts_of(entries[0]), most = least;
    for (const Entry& entry : entries) {
      const std::array<int64_t, 2> parts = parts_of(entry);
      for (int p = 0; p < 2; ++p) {
        least[p] = std::min(least[p], parts[p]);
        most[p] = std::max(most[p], parts[p]);
      }
    }
    // Offsets from the least value, in unsigned arithmetic: any two int64s.
    auto offset = [&](const std::array<int64_t, 2>& parts, int p) {
      return static_cast<uint64_t>(parts[p]) - static_cast<uint64_t>(least[p]);
    };
    const int minor_bits = std::bit_width(offset(most, 1));
    const int key_bits = std::bit_width(offset(most, 0)) + minor_bits;
    if (key_bits > 64) return false;
    struct Keyed {
      uint64_t key;
      uint32_t number;
    };
    auto keyed = std::make_unique_for_overwrite<Keyed[]>(n);
    auto other = std::make_unique_for_overwrite<Keyed[]>(n);
    for (size_t i = 0; i < n; ++i) {
      const std::array<int64_t, 2> parts = parts_of(entries[i]);
      const uint64_t major = minor_bits == 64 ? 0 : offset(parts, 0) << minor_bits;
      keyed[i] = {major | offset(parts, 1), static_cast<uint32_t>(i)};
    }
    // As few passes as digits of up to 11 bits need, the bits shared out
    // evenly: 45 bits (q6's placements) in 5 digits of 9, not 4 of 11 and
    // one of 1 (fewer buckets to clear and sum for the same passes).
    constexpr int kMostDigitBits = 11;
    const int passes = (key_bits + kMostDigitBits - 1) / kMostDigitBits;
    const int digit_bits = passes == 0 ? 0 : (key_bits + passes - 1) / passes;
    const size_t buckets = size_t{1} << digit_bits;
    std::vector<uint32_t> at(buckets);
    for (int shift = 0; shift < key_bits; shift += digit_bits) {
      auto digit = [&](const Keyed& item) { return (item.key >> shift) & (buckets - 1); };
      std::fill(at.begin(), at.end(), 0);
      for (size_t i = 0; i < n; ++i) ++at[digit(keyed[i])];
      if (at[digit(keyed[0])] == n) continue;
      uint32_t sum = 0;
      for (uint32_t& bucket : at) sum += std::exchange(bucket, sum);
      for (size_t i = 0; i < n; ++i) other[at[digit(keyed[i])]++] = keyed[i];
      std::swap(keyed, other);
    }
    // The entries gathered in that order (fetched a few ahead).
    constexpr size_t kAhead = 8;
    std::vector<Entry> sorted;
    sorted.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) __builtin_prefetch(&entries[keyed[i + kAhead].number]);
      sorted.push_back(entries[keyed[i].number]);
    }
    entries = std::move(sorted);
    return true;
  }
  static Run Encoded(const std::vector<Entry>& sorted) {
    Run run;
    Entry previous{};
    const size_t n = sorted.size();
    const size_t samples = std::min(kSamplesPerRun, n);
    // Sample k: the entry in the middle of the k-th of `samples` even steps
    // (its position computed once, not a division per entry).
    auto sample_at = [&](size_t k) { return k < samples ? (2 * k + 1) * n / (2 * samples) : n; };
    size_t next_sample = sample_at(0);
    ByteWriter out;
    out.Reserve(n * kBytesPerEntryGuess);
    for (size_t i = 0, k = 0; i < n; ++i) {
      Codec::Put(out, previous, sorted[i]);
      previous = sorted[i];
      if constexpr (kCounts) run.counted += Codec::Counted(sorted[i]);
      if (i == next_sample) {
        run.samples.push_back({sorted[i], i, out.size()});
        next_sample = sample_at(++k);
      }
    }
    run.count = sorted.size();
    run.bytes = out.Take();
    return run;
  }
  // The run's entries by PartitionOf(IdOf): a run (still sorted) per part.
  static std::vector<Run> Split(const Run& run, size_t parts) {
    std::vector<Run> pieces(parts);
    std::vector<ByteWriter> out(parts);
    std::vector<Entry> previous(parts, Entry{});
    for (Cursor cursor(run);;) {
      const size_t p = PartitionOf(Codec::IdOf(cursor.entry), parts);
      Codec::Put(out[p], previous[p], cursor.entry);
      previous[p] = cursor.entry;
      ++pieces[p].count;
      if constexpr (kCounts) pieces[p].counted += Codec::Counted(cursor.entry);
      if (!cursor.Next()) break;
    }
    for (size_t p = 0; p < parts; ++p) pieces[p].bytes = out[p].Take();
    return pieces;
  }

  std::vector<Run> runs_;  // each non-empty
  std::vector<Entry> pending_;
};

}  // namespace borgscope
